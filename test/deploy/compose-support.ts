/**
 * Docker Compose's variable interpolation, applied to every string of a parsed compose file: `${VAR}`, `$VAR`,
 * `${VAR:-default}` / `${VAR-default}`, `${VAR:?message}` / `${VAR?message}` (an error naming VAR when it has no
 * value), and `$$` for a literal `$`. The `:` forms treat an empty value as unset, as Compose does.
 */
export function interpolate(value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') return interpolateString(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  return value;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g;

function interpolateString(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(
    VARIABLE,
    (match, braced?: string, colon?: string, operator?: string, word?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = env[name];
      const unset = value === undefined || (colon === ':' && value === '');
      if (operator === '-') return unset ? (word ?? '') : value!;
      if (operator === '?' && unset)
        throw new Error(`required variable ${name} is missing a value: ${word ?? ''}`);
      return value ?? '';
    },
  );
}

export interface DockerfileInstruction {
  /** Upper case: FROM, RUN, COPY, … */
  name: string;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
}

/** The instructions of a Dockerfile, without comments, parser directives and line continuations. */
export function dockerfileInstructions(text: string): DockerfileInstruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending) logical.push(pending);
  return logical
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', ...rest] = line.split(/\s+/);
      return { name: name.toUpperCase(), args: rest.join(' ') };
    });
}
