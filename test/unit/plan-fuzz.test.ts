import fc from 'fast-check';
import { parsePlan } from '../../client/plan-file';

/** Strings a careless or hostile file holds: odd Unicode, controls, huge, path-like. */
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '.', '..', '../../etc', 'a\u200b1', 'e\u0301', '\u202etxt', '\u0000', 'A-1', 'a-1'),
  fc.string({ minLength: 129, maxLength: 400 }),
);

/** A plan-shaped value with any part replaced by anything. */
const mangledPlan = fc.record(
  {
    planId: fc.oneof(oddString, fc.anything()),
    schedules: fc.oneof(
      fc.array(
        fc.record(
          {
            scheduleId: fc.oneof(oddString, fc.anything()),
            agents: fc.oneof(
              fc.array(
                fc.record(
                  {
                    agentId: fc.oneof(oddString, fc.anything()),
                    shifts: fc.oneof(
                      fc.array(
                        fc.record(
                          {
                            start: fc.oneof(
                              fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
                              oddString,
                            ),
                            lengthMinutes: fc.oneof(fc.integer(), fc.double(), fc.anything()),
                            activityCode: fc.oneof(oddString, fc.anything()),
                          },
                          { requiredKeys: [] },
                        ),
                        { maxLength: 4 },
                      ),
                      fc.anything(),
                    ),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 4 },
              ),
              fc.anything(),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

function refusedWithPaths(text: string): void {
  const result = parsePlan(text, { maxPlanBytes: 1_000_000, maxSchedules: 1000 });
  if (result.ok) return;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.path).toBe('string');
    expect(p.path.length).toBeGreaterThan(0);
    expect(typeof p.message).toBe('string');
  }
}

describe('the plan validator under fuzzing', () => {
  it('never throws on arbitrary JSON, and names a path for every problem', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => refusedWithPaths(JSON.stringify(value))),
      {
        numRuns: 500,
      },
    );
  });

  it('never throws on plan-shaped values with any part mangled', () => {
    fc.assert(
      fc.property(mangledPlan, (value) => {
        let text: string;
        try {
          text = JSON.stringify(value) ?? 'undefined';
        } catch {
          return; // BigInt and the like cannot even be written as JSON
        }
        refusedWithPaths(text);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on text that is not JSON, on deep nesting, or on a huge plan', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => refusedWithPaths(text)),
      {
        numRuns: 300,
      },
    );
    refusedWithPaths('['.repeat(100_000) + ']'.repeat(100_000));
    refusedWithPaths(
      JSON.stringify({
        schedules: [{ scheduleId: 's', agents: [{ agentId: 'a', shifts: 'x'.repeat(2_000_000) }] }],
      }),
    );
  });
});
