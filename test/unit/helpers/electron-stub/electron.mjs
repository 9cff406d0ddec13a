// A stand-in for the 'electron' module, enough to run the built main process under Node.
// It reports what main does to the test over IPC, and plays the parts of the renderer,
// the window and the user when the test asks.
import { EventEmitter } from 'node:events';

const tell = (m) => process.send?.(m);
let userData = process.env.STUB_USER_DATA;
const handlers = new Map();
let saveTo = null;

export const app = Object.assign(new EventEmitter(), {
  getPath: (name) => {
    if (name === 'downloads') return '/stub/Downloads';
    if (name !== 'userData') throw new Error(`stub: getPath(${name})`);
    return userData;
  },
  setPath: (name, path) => { if (name === 'userData') userData = path; },
  whenReady: () => new Promise((r) => setImmediate(r)),
  quit: () => {
    app.emit('before-quit');
    app.emit('will-quit', { preventDefault() {} });
    tell({ type: 'quit' });
  },
  exit: (code) => tell({ type: 'exit', code }),
  relaunch: (options) => tell({ type: 'relaunch', options }),
});

export const ipcMain = { handle: (channel, fn) => handlers.set(channel, fn) };

class WebContents extends EventEmitter {
  send(channel, ...args) { tell({ type: 'window-send', channel, args }); }
  setWindowOpenHandler(h) { this.openHandler = h; }
  isDestroyed() { return false; }
}

export class BrowserWindow extends EventEmitter {
  static all = [];
  static getAllWindows() { return BrowserWindow.all; }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadFile(file) { tell({ type: 'window', options: this.options, file, userData }); return Promise.resolve(); }
  loadURL(url) { tell({ type: 'window', options: this.options, url, userData }); return Promise.resolve(); }
  isDestroyed() { return false; }
  show() {}
}

const permissions = {};
export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived() {} },
    setPermissionRequestHandler: (h) => (permissions.request = h),
    setPermissionCheckHandler: (h) => (permissions.check = h),
  },
};
export const shell = { openExternal: async (url) => tell({ type: 'openExternal', url }), showItemInFolder() {} };
export const dialog = {
  showErrorBox: (title, content) => tell({ type: 'errorBox', title, content }),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  // the user's answer to the next save dialog: the test sets it with each export it asks for
  showSaveDialog: async (_window, options) => {
    tell({ type: 'saveDialog', options });
    return saveTo ? { canceled: false, filePath: saveTo } : { canceled: true };
  },
};
export const Menu = { buildFromTemplate: (template) => ({ template }), setApplicationMenu() {} };

process.on('message', async (m) => {
  const wc = BrowserWindow.all[0]?.webContents;
  if (m.type === 'call') {
    const value = await handlers.get('lab:call')({ senderFrame: m.frameUrl ? { url: m.frameUrl } : null }, m.name, m.input);
    tell({ type: 'result', id: m.id, value });
  } else if (m.type === 'export') {
    saveTo = m.saveTo;
    const value = await handlers.get('lab:export')({ senderFrame: m.frameUrl ? { url: m.frameUrl } : null }, m.input);
    tell({ type: 'result', id: m.id, value });
  } else if (m.type === 'event') {
    // a navigation, redirect or <webview> attachment the page attempts: did main prevent it?
    let prevented = false;
    wc.emit(m.event, { preventDefault: () => (prevented = true) }, m.url, {});
    tell({ type: 'result', id: m.id, value: prevented });
  } else if (m.type === 'permission') {
    tell({ type: 'result', id: m.id, value: permissions.check?.(wc, m.permission, 'file://', {}) ?? 'no check handler' });
  } else if (m.type === 'close-window') {
    BrowserWindow.all.pop()?.emit('closed');
    app.emit('window-all-closed');
  }
});
