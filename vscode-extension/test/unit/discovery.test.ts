// The discovery order and its fall-through rules, with a stubbed probe (no process is spawned),
// and the settings passed to the server. Run with `npm run test:unit`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { discover, Probe, spawnProbe } from '../../src/discovery';
import { serverSettings } from '../../src/settings';

/** A probe that knows which command lines work, and records what it was asked. */
function probeOf(working: Record<string, string>): { probe: Probe; asked: string[] } {
  const asked: string[] = [];
  const probe: Probe = async (command, args) => {
    const line = [command, ...args].join(' ');
    asked.push(line);
    if (line in working) {
      return working[line];
    }
    throw Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' });
  };
  return { probe, asked };
}

const noPython = async (): Promise<string | undefined> => undefined;

test('dockls.path wins and is the only candidate, even when it does not work', async () => {
  const working = probeOf({ '/opt/dockls': 'dockls 0.1.0', dockls: 'dockls 0.1.0' });
  const found = await discover({ path: '/opt/dockls', interpreter: '/usr/bin/python3' }, noPython, working.probe);
  assert.equal(found.found?.candidate.command, '/opt/dockls');
  assert.equal(found.found?.version, 'dockls 0.1.0');

  const broken = probeOf({ dockls: 'dockls 0.1.0' });
  const none = await discover({ path: '/typo/dockls', interpreter: '' }, noPython, broken.probe);
  assert.equal(none.found, undefined);
  assert.deepEqual(broken.asked, ['/typo/dockls']);
  assert.deepEqual(none.attempts.map((a) => a.outcome), [{ works: false, reason: 'not found' }]);
});

test('dockls.interpreter runs -m dockls and is the only candidate', async () => {
  const { probe, asked } = probeOf({ '/venv/bin/python -m dockls': 'dockls 0.1.0' });
  const found = await discover({ path: '  ', interpreter: '/venv/bin/python' }, noPython, probe);
  assert.deepEqual(found.found?.candidate.args, ['-m', 'dockls']);
  assert.deepEqual(asked, ['/venv/bin/python -m dockls']);

  const other = probeOf({ dockls: 'dockls 0.1.0' });
  assert.equal((await discover({ path: '', interpreter: '/old/python' }, noPython, other.probe)).found, undefined);
});

test("then the Python extension's interpreter, then dockls on PATH", async () => {
  const python = async (): Promise<string | undefined> => '/ws/.venv/bin/python';
  const withDockls = probeOf({ '/ws/.venv/bin/python -m dockls': 'dockls 0.1.0', dockls: 'dockls 0.0.9' });
  const found = await discover({ path: '', interpreter: '' }, python, withDockls.probe);
  assert.equal(found.found?.candidate.origin, "the Python extension's interpreter");

  // dockls is not importable in that interpreter: PATH is next.
  const withoutDockls = probeOf({ dockls: 'dockls 0.0.9' });
  const fallback = await discover({ path: '', interpreter: '' }, python, withoutDockls.probe);
  assert.equal(fallback.found?.candidate.command, 'dockls');
  assert.deepEqual(withoutDockls.asked, ['/ws/.venv/bin/python -m dockls', 'dockls']);
});

test('a failing Python extension only skips that candidate', async () => {
  const failing = async (): Promise<string | undefined> => {
    throw new Error('extension host crashed');
  };
  const { probe, asked } = probeOf({});
  const none = await discover({ path: '', interpreter: '' }, failing, probe);
  assert.equal(none.found, undefined);
  assert.deepEqual(asked, ['dockls']);
  assert.equal(none.attempts.length, 1);
});

test('the server gets only its own keys, without unset values', () => {
  const section: Record<string, unknown> = {
    path: '/opt/dockls', interpreter: '', args: ['--x'], trace: { server: 'verbose' },
    rules: { DKL052: 'off' }, select: null, ignore: [], maxContextSize: null, configurationPreference: 'editorOnly',
  };
  assert.deepEqual(serverSettings((key) => section[key]),
    { rules: { DKL052: 'off' }, ignore: [], configurationPreference: 'editorOnly' });
});

// The real probe, on Node itself standing in for a server (`--` keeps --version for the script).
const node = (script: string): [string, string[]] => [process.execPath, ['-e', script, '--']];

test('the probe accepts a dockls version answer and nothing else', async () => {
  assert.equal(await spawnProbe(...node('console.log("dockls 1.2.3")')), 'dockls 1.2.3');
  await assert.rejects(spawnProbe(...node('console.log("Python 3.12.1")')), /not a dockls version/);
  await assert.rejects(spawnProbe(...node('console.error("No module named dockls"); process.exit(1)')),
    /exit status 1: No module named dockls/);
  const missing = await discover({ path: '/nonexistent/dockls', interpreter: '' }, noPython, spawnProbe);
  assert.deepEqual(missing.attempts[0]?.outcome, { works: false, reason: 'not found' });
});
