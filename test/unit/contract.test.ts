import { readFileSync } from 'node:fs';
import path from 'node:path';
import { planProblems } from '../../model/plan';
import { contractJsonSchemas, inlinePlanStartSchema } from '../../model/push-start';

const docs = path.resolve(__dirname, '../../docs');

describe('the public bulkPush contract (docs/start-a-push.md)', () => {
  it.each(Object.entries(contractJsonSchemas()))(
    'docs/contract/%s is the JSON Schema the zod schema generates (else: npm run contract)',
    (name, generated) => {
      const checkedIn: unknown = JSON.parse(readFileSync(path.join(docs, 'contract', name), 'utf8'));
      expect(checkedIn).toEqual(generated);
    },
  );

  it('the input example in the document is valid input', () => {
    const text = readFileSync(path.join(docs, 'start-a-push.md'), 'utf8');
    const example = /<!-- input example -->\s*```json\n([\s\S]*?)```/.exec(text)?.[1];
    expect(example).toBeDefined();
    const input = JSON.parse(example!) as { plan: unknown };
    expect(inlinePlanStartSchema.safeParse(input).error).toBeUndefined();
    expect(planProblems(input.plan).problems).toEqual([]);
  });
});
