// Runs a built main process (out/main/index.js) under Node with the stub 'electron' module,
// and drives it over IPC: used by the desktop door's tests and by the packaged-app check.
import { fork } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * @param {string} mainJs the built main entry
 * @param {NodeJS.ProcessEnv} env its environment (STUB_USER_DATA: Electron's default userData)
 */
export function driveMain(mainJs, env) {
  const main = fork(mainJs, [], {
    execArgv: ['--import', new URL('./register.mjs', import.meta.url).href],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  /** @type {Record<string, any>[]} every message main's stub sent, in order */
  const seen = [];
  main.on('message', (m) => seen.push(m));
  let next = 0;
  /** Resolves with the first message (seen or to come) that matches. */
  const waitFor = (pred, ms = 30_000) =>
    new Promise((resolve, reject) => {
      const found = seen.find(pred);
      if (found) return resolve(found);
      const on = (m) => { if (pred(m)) { clearTimeout(t); main.off('message', on); resolve(m); } };
      const t = setTimeout(() => { main.off('message', on); reject(new Error(`timed out; main said: ${JSON.stringify(seen.map((m) => m.type))}`)); }, ms);
      main.on('message', on);
    });
  const ask = async (m) => {
    const id = ++next;
    main.send({ ...m, id });
    return (await waitFor((r) => r.type === 'result' && r.id === id)).value;
  };
  /** A contract call through the lab:call handler, as from the frame at frameUrl. */
  const call = (name, input, frameUrl) => ask({ type: 'call', name, input, frameUrl });
  const windowOpened = () => waitFor((m) => m.type === 'window');
  return { main, seen, waitFor, ask, call, windowOpened, rendererUrl: (outDir) => pathToFileURL(`${outDir}/renderer/index.html`).href };
}
