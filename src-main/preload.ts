import { contextBridge, ipcRenderer } from 'electron';

/**
 * The only bridge between the sandboxed renderer and the main process: one
 * function that forwards a contract call. Main validates every input.
 */
contextBridge.exposeInMainWorld('labBridge', {
  call: (name: string, input: unknown) => ipcRenderer.invoke('lab:call', name, input),
});
