import { OutcomeBoard } from '../../wfm/genesys/outcome-board';

const complete = (operationId: string) => ({ operationId, status: 'Complete' as const });
const forever = <T>(arrived: Promise<T>) => arrived;

describe('the board of final outcomes (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-12-07T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('gives an outcome that came before anyone waited, and ignores a duplicate', async () => {
    const board = new OutcomeBoard(60_000);
    board.settle(complete('op-1'));
    board.settle({ operationId: 'op-1', status: 'Error' });
    await expect(board.wait('op-1', forever)).resolves.toEqual(complete('op-1'));
  });

  it('wakes a waiter when its outcome comes, and every waiter with nothing when the channel is gone', async () => {
    const board = new OutcomeBoard(60_000);
    const first = board.wait('op-1', forever);
    const other = board.wait('op-2', forever);
    board.settle(complete('op-1'));
    await expect(first).resolves.toEqual(complete('op-1'));
    board.wakeAll();
    await expect(other).resolves.toBeUndefined();
  });

  it('forgets outcomes older than it keeps them once a newer one comes', () => {
    const board = new OutcomeBoard(60_000);
    board.settle(complete('old'));
    jest.advanceTimersByTime(61_000);
    board.settle(complete('new'));
    expect(board.received('old')).toBeUndefined();
    expect(board.received('new')).toEqual(complete('new'));
  });
});
