import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One row of the README's environment-variable table. */
export interface ReadmeConfigRow {
  default: string;
  meaning: string;
  app: string;
}

/** The README's `| env var | default | meaning | app |` table (section "Configuration"), by variable name. */
export function readmeConfigTable(): Map<string, ReadmeConfigRow> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(section.indexOf('| env var | default | meaning | app |'));
  const rows = new Map<string, ReadmeConfigRow>();
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) {
      break;
    }
    const [name, defaultText, meaning, app] = line
      .split(' | ')
      .map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
    rows.set(name.replace(/`/g, ''), { default: defaultText, meaning, app });
  }
  return rows;
}
