/** `npm run bench -- [name…]`: runs the named benchmarks (all when none is named). */
import { benchCompare } from './compare';
import { benchImport } from './import';
import { benchRenderer } from './renderer';
import { benchServe } from './serve';
import { benchSolver } from './solver';
import { benchStep } from './step';
import { benchStore } from './store';
import { benchTrain } from './train';
import { benchTracking } from './tracking';

const benches: Record<string, () => void | Promise<void>> = { store: benchStore, solver: benchSolver, import: benchImport, train: benchTrain, step: benchStep, serve: benchServe, compare: benchCompare, tracking: benchTracking, renderer: benchRenderer };

const args = process.argv.slice(2).filter((a) => a !== '--');
// `--backend gpu|node|cpu`: the TF.js backend for the benchmarks that train (train)
const at = args.indexOf('--backend');
if (at >= 0) process.env.ATTENTION_LAB_BACKEND = args.splice(at, 2)[1];
const names = args;
for (const n of names) if (!benches[n]) throw new Error(`unknown benchmark '${n}'; known: ${Object.keys(benches).join(', ')}`);
for (const n of names.length ? names : Object.keys(benches)) await benches[n]();
