// `node --import this-file out/main/index.js`: the built main process, with 'electron' resolved to the stub beside it.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
