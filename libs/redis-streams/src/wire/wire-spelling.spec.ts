import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { DEAD_LETTER_FIELDS, DEAD_LETTER_LOG_FIELDS } from './dead-letter-fields';
import { ALL_DEAD_LETTER_REASONS } from './dead-letter-reasons';
import { LANE_FIELDS } from './lane-fields';

/**
 * The wire folder is the one place that spells the wire format: this test reads every .ts source under libs/ and
 * apps/ (specs and the wire folder itself excepted) and fails on a key fragment, a dead-letter or lane field name, an
 * entry-id regex, a reason literal or a raw EVAL anywhere else. Lua sources (lua/*.lua.ts) may spell the fields and
 * reasons they write and read — checked below against the wire constants instead.
 */
const ROOT = join(__dirname, '..', '..', '..', '..');
const WIRE = 'libs/redis-streams/src/wire/';
const LUA_SOURCE = /^libs\/redis-streams\/src\/lua\/[^/]+\.lua\.ts$/;

const quoted = (word: string): RegExp => new RegExp(`(['"])${word.replace(/[-]/g, '\\-')}\\1`);

interface Rule {
  name: string;
  patterns: RegExp[];
  /** May appear in Lua sources (they spell the records they write). */
  inLua: boolean;
}

const RULES: Rule[] = [
  {
    name: 'key fragment',
    patterns: [/:dlq\b|:retry:|:due\b|:promoter\b|nrs:consumer|:idem:|:handled:/],
    inLua: false,
  },
  { name: 'dead-letter field', patterns: [/dlq_[a-z]/], inLua: true },
  {
    name: 'lane field',
    patterns: [/\bretry_(?:original_id|deliveries|first_failure|redriven_from)\b/],
    inLua: true,
  },
  {
    name: 'entry-id regex',
    patterns: [/\\d[^\s'"`/]{0,12}-\(?\\d/, /\[0-9\][^\s'"`/]{0,12}-\(?\[0-9\]/],
    inLua: false,
  },
  { name: 'reason literal', patterns: ALL_DEAD_LETTER_REASONS.map(quoted), inLua: true },
  { name: 'raw EVAL', patterns: [/\.eval(?:sha)?\(|(['"])EVAL(?:SHA)?\1/i], inLua: false },
];

/** What truly must stay: the text, the lines it may stay on (wherever they are), and why. */
const ALLOWED: ReadonlyArray<{ text: string; line: RegExp; why: string }> = [
  {
    text: "'deleted'",
    line: /\blost\b|\brenewal\b|LeaseRenewal|LEASE_RENEWALS/,
    why: 'a lease-renewal outcome (LeaseRenewal: renew-leases found the entry deleted from the stream), not a reason',
  },
  {
    text: "'expired'",
    line: /\.(?:emit|on)\('expired'/,
    why: "the server event named like the reason (message TTL): `server.on('expired', …)`, not a reason",
  },
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      return entry.name === 'node_modules' ? [] : sources(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function violations(file: string, text: string): string[] {
  const found: string[] = [];
  const lua = LUA_SOURCE.test(file);
  text.split('\n').forEach((line, index) => {
    for (const rule of RULES) {
      if (lua && rule.inLua) {
        continue;
      }
      for (const pattern of rule.patterns) {
        const match = pattern.exec(line);
        if (match && !ALLOWED.some((allowed) => match[0] === allowed.text && allowed.line.test(line))) {
          found.push(`${file}:${index + 1}: ${rule.name} ${match[0]}: ${line.trim().slice(0, 120)}`);
        }
      }
    }
  });
  return found;
}

const files = [...sources('libs'), ...sources('apps')]
  .map((path) => path.split(sep).join('/'))
  .filter((path) => !path.startsWith(WIRE));

describe('wire spelling', () => {
  it('reads a real source tree', () => {
    expect(files).toContain('libs/redis-streams/src/server/outcomes.ts');
    expect(files.some((file) => LUA_SOURCE.test(file))).toBe(true);
  });

  it('spells no key, dead-letter field, lane field, entry-id regex, reason or raw EVAL outside wire/', () => {
    const found = files.flatMap((file) => violations(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });

  it('would catch each kind (the rules are not vacuous)', () => {
    const samples = [
      'const key = `${base}:dlq`;',
      'const marker = `${base}:handled:${group}`;',
      "fields.push('dlq_reason', reason);",
      "const name = 'retry_deliveries';",
      'const ID = /^\\d+-\\d+$/;',
      "return { reason: 'max-deliveries' };",
      'await redis.eval(SCRIPT, 1, key);',
    ];
    expect(samples.map((line) => violations('libs/x.ts', line).length)).toEqual(samples.map(() => 1));
  });

  it('every allow-list entry is still needed', () => {
    const lines = files.flatMap((file) => readFileSync(join(ROOT, file), 'utf8').split('\n'));
    for (const allowed of ALLOWED) {
      expect(lines.some((line) => line.includes(allowed.text) && allowed.line.test(line))).toBe(true);
    }
  });

  describe('Lua sources agree with the wire constants', () => {
    const lua = files
      .filter((file) => LUA_SOURCE.test(file))
      .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));
    const names = (pattern: RegExp): string[] =>
      lua.flatMap(({ text }) => [...text.matchAll(pattern)].map((match) => match[1]));

    it('dead-letter and dead-letter log field names', () => {
      const known = new Set<string>([
        ...Object.values(DEAD_LETTER_FIELDS),
        ...Object.values(DEAD_LETTER_LOG_FIELDS),
      ]);
      const spelled = names(/'(dlq_[a-z_]+)'/g);
      expect(spelled.length).toBeGreaterThan(10);
      expect(spelled.filter((name) => !known.has(name))).toEqual([]);
    });

    it('lane field names', () => {
      const known = new Set<string>(Object.values(LANE_FIELDS));
      const spelled = names(/'(retry_[a-z_]+)'/g);
      expect(new Set(spelled)).toEqual(known);
    });

    it('reasons written or compared in Lua', () => {
      const spelled = names(/dlq_reason'\]?\s*(?:,|==)\s*'([a-z-]+)'/g);
      expect(spelled.length).toBeGreaterThan(0);
      expect(
        spelled.filter((reason) => !(ALL_DEAD_LETTER_REASONS as readonly string[]).includes(reason)),
      ).toEqual([]);
    });

    it('every Lua source is registered with a versioned name', () => {
      const registry = readFileSync(join(ROOT, 'libs/redis-streams/src/lua/scripts.ts'), 'utf8');
      for (const { file } of lua) {
        const module = file.slice(file.lastIndexOf('/') + 1, -'.ts'.length);
        expect(registry).toContain(`from './${module}'`);
      }
      const names = [...registry.matchAll(/^ {2}(nrs\w+): \{ numberOfKeys/gm)].map((match) => match[1]);
      expect(names.length).toBe(lua.length);
      expect(names.filter((name) => !/^nrs[A-Z][A-Za-z]*V\d+$/.test(name))).toEqual([]);
    });
  });
});
