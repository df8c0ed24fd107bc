// Where a Strom broker's CPU time went, from the V8 CPU profiles `compare --profile` writes:
//   node bench/lib/profile-summary.ts bench/results/profiles/<session>.cpuprofile [--top N]
// Prints self time by area of the code base (protocol, storage, network, ...), by kind (GC,
// idle, the program itself) and the functions with the most self time, as markdown.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, markdownTable } from './report.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The part of the code base a frame belongs to, by its file. */
function areaOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 (program)';
  if (url === '') return 'native (builtins, bindings)';
  const strom = /\/(apps|libs)\/([^/]+)\/(?:dist|src)\/(.*)$/.exec(url);
  if (strom) {
    const [, group, name, rest] = strom;
    const sub = rest!.split('/')[0]!.replace(/\.js$/, '');
    return group === 'apps' ? `${name}/${sub}` : `libs/${name}`;
  }
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return 'other';
}

export function summarize(profile: CpuProfile, top: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}`;
    const name = `${functionName || '(anonymous)'}${where} [${area}]`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busyUs = totalUs - (areas.get('idle') ?? 0);
  const share = (us: number) => `${fmt((100 * us) / Math.max(busyUs, 1), 1)} %`;
  const sorted = (map: Map<string, number>) => [...map].filter(([name]) => name !== 'idle').sort((a, b) => b[1] - a[1]);
  return [
    `profiled ${fmt(totalUs / 1e6, 1)} s, busy ${fmt(busyUs / 1e6, 1)} s (${fmt((100 * busyUs) / Math.max(totalUs, 1), 0)} % of the event loop's time); shares are of busy time`,
    '',
    ...markdownTable(
      ['area', 'self s', 'share'],
      ['l', 'r', 'r'],
      sorted(areas)
        .slice(0, top)
        .map(([area, us]) => [area, fmt(us / 1e6, 2), share(us)]),
    ),
    '',
    ...markdownTable(
      ['function', 'self s', 'share'],
      ['l', 'r', 'r'],
      sorted(functions)
        .filter(([name]) => !name.startsWith('(idle)'))
        .slice(0, top)
        .map(([name, us]) => [name, fmt(us / 1e6, 2), share(us)]),
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  for (const path of positionals) {
    const summary = summarize(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, Number(values.top));
    process.stdout.write(`## ${basename(path)}\n\n${summary.join('\n')}\n\n`);
  }
}
