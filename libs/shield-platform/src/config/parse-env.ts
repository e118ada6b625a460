import { EnvVariable, EnvVariableError } from './env-variable';

/** A schema: the typed config's keys, each read from one environment variable. */
export type EnvSchema = Readonly<Record<string, EnvVariable<unknown>>>;

/** The typed values of a schema. */
export type EnvValues<S extends EnvSchema> = {
  readonly [K in keyof S]: S[K] extends EnvVariable<infer T> ? T : never;
};

/** The environment as Node gives it (`process.env`) or a test writes it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * One or more variables are set to values the app cannot use. The message lists every one (variable, rule, value
 * given), so one failed start shows all the typos at once; `problems` has them one by one, `app` names the app.
 */
export class InvalidEnvironmentError extends Error {
  constructor(
    readonly app: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid environment: ${problems.join('; ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * Reads every variable of `schema` from `env`; throws {@link InvalidEnvironmentError} (of `app`) listing every
 * invalid one. `checks` are rules across variables, run once each variable is valid: each returns a problem or
 * `undefined`.
 */
export function parseEnv<S extends EnvSchema>(
  app: string,
  schema: S,
  env: Environment,
  checks: ReadonlyArray<(values: EnvValues<S>) => string | undefined> = [],
): EnvValues<S> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(schema)) {
    try {
      values[key] = variable.read(env[variable.name]);
    } catch (error) {
      if (!(error instanceof EnvVariableError)) {
        throw error;
      }
      problems.push(error.message);
    }
  }
  if (problems.length === 0) {
    for (const check of checks) {
      const problem = check(values as EnvValues<S>);
      if (problem !== undefined) {
        problems.push(problem);
      }
    }
  }
  if (problems.length > 0) {
    throw new InvalidEnvironmentError(app, problems);
  }
  return values as EnvValues<S>;
}

/** One row of the README's configuration table per variable of `schema`, in schema order. */
export function describeEnv(
  schema: EnvSchema,
): Array<{ name: string; defaultText: string; description: string }> {
  return Object.values(schema).map(({ name, defaultText, description }) => ({
    name,
    defaultText,
    description,
  }));
}
