import { integerVariable, textVariable } from './env-variable';
import { InvalidEnvironmentError, describeEnv, parseEnv } from './parse-env';

const SCHEMA = {
  size: integerVariable('APP_SIZE', 10, { min: 1, max: 100, description: 'how many' }),
  low: integerVariable('APP_LOW', 1, { min: 0, max: 100, description: 'low end' }),
  high: integerVariable('APP_HIGH', 50, { min: 0, max: 100, description: 'high end' }),
  name: textVariable('APP_NAME', 'unset', { description: 'a name' }),
} as const;

const problemsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('did not throw');
};

describe('parseEnv', () => {
  it('gives the typed values, defaults for what is unset', () => {
    const values = parseEnv('app', SCHEMA, { APP_SIZE: '3', APP_NAME: 'n' });
    expect(values).toEqual({ size: 3, low: 1, high: 50, name: 'n' });
  });

  it('lists every invalid variable in one error', () => {
    const run = (): unknown => parseEnv('app', SCHEMA, { APP_SIZE: 'abc', APP_LOW: '-1', APP_HIGH: '7' });
    expect(run).toThrow(InvalidEnvironmentError);
    expect(run).toThrow(
      'invalid environment: APP_SIZE must be an integer from 1 to 100, got "abc"; ' +
        'APP_LOW must be an integer from 0 to 100, got "-1"',
    );
    expect(problemsOf(run)).toHaveLength(2);
  });

  it('runs the cross-variable checks once every variable is valid', () => {
    const check = ({ low, high }: { low: number; high: number }): string | undefined =>
      high < low ? `APP_HIGH (${high}) must not be below APP_LOW (${low})` : undefined;
    expect(parseEnv('app', SCHEMA, { APP_LOW: '5', APP_HIGH: '5' }, [check]).high).toBe(5);
    expect(problemsOf(() => parseEnv('app', SCHEMA, { APP_LOW: '9', APP_HIGH: '5' }, [check]))).toEqual([
      'APP_HIGH (5) must not be below APP_LOW (9)',
    ]);
    // A variable that is itself invalid is reported alone, not also through the checks.
    expect(problemsOf(() => parseEnv('app', SCHEMA, { APP_LOW: 'x', APP_HIGH: '5' }, [check]))).toEqual([
      'APP_LOW must be an integer from 0 to 100, got "x"',
    ]);
  });

  it('does not hide a bug in a reader as an invalid value', () => {
    const broken = {
      bad: {
        name: 'BAD',
        description: '',
        defaultText: '',
        read: (): never => {
          throw new TypeError('bug');
        },
      },
    };
    expect(() => parseEnv('app', broken, {})).toThrow(TypeError);
  });

  it('describes the schema for the README table, in order', () => {
    expect(describeEnv(SCHEMA).map(({ name, defaultText }) => `${name}=${defaultText}`)).toEqual([
      'APP_SIZE=10',
      'APP_LOW=1',
      'APP_HIGH=50',
      'APP_NAME=unset',
    ]);
  });
});
