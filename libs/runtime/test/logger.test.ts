import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseLogFormat, createLogger, type LogDestination } from '../src/logger.js';

/** A destination that keeps what is written, and says whether it is a terminal. */
function capture(isTTY: boolean): LogDestination & { text(): string } {
  const chunks: string[] = [];
  return Object.assign({ write: (chunk: string) => chunks.push(chunk) > 0, isTTY }, { text: () => chunks.join('') }) as never;
}

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;

describe('the log format', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is pretty on a terminal and JSON lines anywhere else, unless strom.log.format says which', () => {
    expect(chooseLogFormat('auto', { isTTY: true })).toBe('pretty');
    expect(chooseLogFormat('auto', { isTTY: false })).toBe('json');
    expect(chooseLogFormat('auto', {})).toBe('json');
    expect(chooseLogFormat('json', { isTTY: true })).toBe('json');
    expect(chooseLogFormat('pretty', { isTTY: false })).toBe('pretty');
  });

  it('writes one JSON object per line when the destination is not a terminal', () => {
    const out = capture(false);
    createLogger('broker', 'info', out).info({ topic: 'orders', partitions: 3 }, 'topic created');
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      app: 'broker',
      name: 'broker',
      topic: 'orders',
      partitions: 3,
      msg: 'topic created',
    });
  });

  it('writes one coloured line per event, with its time, level, app, message and fields, on a terminal', () => {
    vi.stubEnv('NO_COLOR', undefined);
    const out = capture(true);
    const logger = createLogger('strom', 'info', out);
    logger.info({ kafka: '127.0.0.1:9092' }, 'Strom ready (embedded)');
    logger.child({ component: 'groups' }).warn({ group: 'g1' }, 'rebalance took long');
    const text = out.text();
    expect(text).toMatch(ansi);
    const lines = text.replace(ansi, '').split('\n').filter(Boolean);
    expect(lines).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(strom\): Strom ready \(embedded\) \{"kafka":"127\.0\.0\.1:9092"\}$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(strom\): rebalance took long \{"component":"groups","group":"g1"\}$/),
    ]);
    expect(text).not.toContain('"pid"');
  });

  it('leaves the colours out when NO_COLOR is set, and pretty lines to a non-terminal uncoloured', () => {
    vi.stubEnv('NO_COLOR', '1');
    const terminal = capture(true);
    createLogger('strom', 'info', terminal).info('hello');
    expect(terminal.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(strom\): hello\n$/);
    vi.stubEnv('NO_COLOR', undefined);
    const file = capture(false);
    createLogger('strom', 'info', file, 'pretty').info('hello');
    expect(file.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(strom\): hello\n$/);
  });

  it('writes nothing for an event below the level', () => {
    const out = capture(true);
    createLogger('strom', 'warn', out).info('not shown');
    expect(out.text()).toBe('');
  });
});
