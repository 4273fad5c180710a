// docs/scaling.md stays true: every blasnet command it shows (in sh blocks, systemd units and Kubernetes
// command arrays) names a command the CLI has, with options that command takes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../lib/cli/main';

const DOC = path.resolve(__dirname, '../../docs/scaling.md');

/** Each `blasnet ...` invocation in the document's code blocks, as words (quotes and line continuations resolved). */
function invocations(md: string): { line: number; words: string[] }[] {
  const out: { line: number; words: string[] }[] = [];
  const lines = md.split('\n');
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const at = i;
    let raw = lines[i]!;
    while (raw.endsWith('\\') && i + 1 < lines.length) raw = raw.slice(0, -1) + ' ' + lines[++i]!.trim();
    if (raw.trim().startsWith('```')) { fenced = !fenced; continue; }
    if (!fenced) continue;
    let text = raw.replace(/\s#\s.*$/, '');
    const arr = /command:\s*\[(.*)\]/.exec(text);
    if (arr) text = arr[1]!.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).join(' ');
    const from = text.search(/\bblasnet (worker|submit|jobs|tune|serve)\b/);
    if (from < 0) continue;
    const words = (text.slice(from).match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^['"]|['"]$/g, ''));
    out.push({ line: at + 1, words: words.slice(1) });
  }
  return out;
}

describe('docs/scaling.md', () => {
  it('shows only commands and options the CLI has', () => {
    const program = buildProgram();
    const found = invocations(fs.readFileSync(DOC, 'utf8'));
    expect(found.length).toBeGreaterThanOrEqual(10);
    const names = new Set(program.commands.map((c) => c.name()));
    for (const { line, words } of found) {
      const where = `docs/scaling.md:${line}: blasnet ${words.join(' ')}`;
      // serve comes with its own branch; until then its lines are not checked here.
      if (words[0] === 'serve' && !names.has('serve')) continue;
      let cmd: Command | undefined = program.commands.find((c) => c.name() === words[0]);
      expect(cmd, where).toBeDefined();
      const sub = cmd!.commands.find((c) => c.name() === words[1]);
      if (sub) cmd = sub;
      const known = new Set([...cmd!.options, ...program.options].flatMap((o) => [o.long, o.short]).filter(Boolean));
      for (const w of words.filter((x) => x.startsWith('--'))) expect(known.has(w.split('=')[0]!), `${where}: ${w}`).toBe(true);
    }
  });
});
