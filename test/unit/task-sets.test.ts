import { describe, expect, it } from 'vitest';
import { Lab } from '../../src-main/lab';
import { seedLike } from './helpers/tmp';

/** Bad task sets are refused at the contract, with the field named, and nothing is written. */
describe('task-set validation', () => {
  const cases: [string, unknown, RegExp][] = [
    ['missing budget', seedLike({ budget: undefined }), /budget: budget must be a finite number/],
    ['missing attention cost', seedLike({ tasks: [{ name: 'a' }] }), /tasks\[0\]\.attentionCost/],
    ['NaN cost (string)', seedLike({ tasks: [{ name: 'a', attentionCost: 'NaN' }] }), /tasks\[0\]\.attentionCost: attentionCost must be a finite number/],
    ['NaN cost (number)', seedLike({ tasks: [{ name: 'a', attentionCost: NaN }] }), /tasks\[0\]\.attentionCost/],
    ['infinite time', seedLike({ tasks: [{ name: 'a', attentionCost: 1, timeCost: Infinity }] }), /tasks\[0\]\.timeCost/],
    ['negative cost', seedLike({ tasks: [{ name: 'a', attentionCost: -5 }] }), /tasks\[0\]\.attentionCost: attentionCost must be ≥ 0/],
    ['negative weight', seedLike({ tasks: [{ name: 'a', attentionCost: 1, weight: -1 }] }), /tasks\[0\]\.weight/],
    ['duplicate names', seedLike({ tasks: [{ name: 'a', attentionCost: 1 }, { name: 'a', attentionCost: 2 }] }), /tasks\[1\]\.name: duplicate task name 'a' \(also tasks\[0\]\)/],
    ['floor above cap', seedLike({ tasks: [{ name: 'a', attentionCost: 1, floor: 0.8, cap: 0.3 }] }), /tasks\[0\]\.floor: floor must not exceed cap/],
    ['cap above one', seedLike({ tasks: [{ name: 'a', attentionCost: 1, cap: 1.5 }] }), /tasks\[0\]\.cap: cap must be ≤ 1/],
    ['budget zero', seedLike({ budget: 0 }), /budget: budget must be > 0/],
    ['no tasks', seedLike({ tasks: [] }), /tasks: a task set needs at least one task/],
    ['unknown field', seedLike({ tasks: [{ name: 'a', attentionCost: 1, atention: 3 }] }), /tasks\[0\].*atention/],
    ['empty name', seedLike({ name: '  ' }), /name: name must not be empty/],
    ['unknown data set', seedLike({ tasks: [{ name: 'a', attentionCost: 1, dataset: 'nope' }] }), /tasks\[0\]\.dataset: no data set named 'nope'/],
  ];

  it.each(cases)('%s', async (_, input, message) => {
    const lab = new Lab(':memory:');
    await lab.call('taskSets/create', seedLike({ name: 'kept' }));
    await expect(lab.call('taskSets/create', input)).rejects.toThrow(message);
    const info = await lab.call('db/info', {});
    expect(info.counts).toMatchObject({ task_sets: 1, tasks: 2 });
    lab.close();
  });

  it('refuses a second set with the same name and keeps the first as it was', async () => {
    const lab = new Lab(':memory:');
    const first = await lab.call('taskSets/create', seedLike());
    await expect(lab.call('taskSets/create', seedLike({ budget: 5 }))).rejects.toThrow("name: a task set named 'set' already exists");
    expect(await lab.call('taskSets/get', { id: first.id })).toEqual(first);
    lab.close();
  });

  it('fills defaults: weight 1, floor 0, cap 1, time 0', async () => {
    const lab = new Lab(':memory:');
    const s = await lab.call('taskSets/create', { name: 'd', budget: 3, tasks: [{ name: 'x', attentionCost: 2 }] });
    expect(s.tasks[0]).toMatchObject({ weight: 1, floor: 0, cap: 1, timeCost: 0, examples: null });
    lab.close();
  });

  it('an unknown call or id is a clear error', async () => {
    const lab = new Lab(':memory:');
    await expect(lab.call('taskSets/explode' as never, {})).rejects.toThrow("unknown call 'taskSets/explode'");
    await expect(lab.call('taskSets/get', { id: 9 })).rejects.toThrow('task set 9 does not exist');
    await expect(lab.call('taskSets/get', { id: -1 })).rejects.toThrow(/input to taskSets\/get: id:/);
    lab.close();
  });
});

describe('editing a task set', () => {
  it('replaces budgets and tasks; a measured cost left alone stays measured, an edited one does not', async () => {
    const lab = new Lab(':memory:');
    await lab.call('datasets/import', { filename: 'words.csv', content: 'text,label\n' + Array.from({ length: 40 }, (_, i) => `some words here number ${i},${i % 2 ? 'x' : 'y'}`).join('\n') + '\n' });
    const set = await lab.call('taskSets/create', { name: 'edit me', budget: 10, tasks: [{ name: 'w', dataset: 'words' }, { name: 's', attentionCost: 5 }] });
    const [w] = set.tasks;
    expect(w.attentionMeasured).toBe(true);
    const same = { name: 'edit me', budget: 20, tasks: [{ name: 'w', dataset: 'words', attentionCost: w.attentionCost }, { name: 's', attentionCost: 7, weight: 2 }] };
    const edited = await lab.call('taskSets/update', { id: set.id, set: same });
    expect(edited.budget).toBe(20);
    expect(edited.tasks.map((t) => [t.name, t.attentionCost, t.attentionMeasured, t.weight])).toEqual([['w', w.attentionCost, true, 1], ['s', 7, false, 2]]);
    const overridden = await lab.call('taskSets/update', { id: set.id, set: { ...same, tasks: [{ name: 'w', dataset: 'words', attentionCost: 1 }] } });
    expect(overridden.tasks.map((t) => [t.name, t.attentionCost, t.attentionMeasured])).toEqual([['w', 1, false]]);

    // a bad edit changes nothing
    await lab.call('taskSets/create', { name: 'other', budget: 1, tasks: [{ name: 'a', attentionCost: 1 }] });
    await expect(lab.call('taskSets/update', { id: set.id, set: { ...same, name: 'other' } })).rejects.toThrow(/'other' already exists/);
    await expect(lab.call('taskSets/update', { id: set.id, set: { ...same, tasks: [{ name: 'x', dataset: 'nope' }] } })).rejects.toThrow(/no data set named 'nope'/);
    await expect(lab.call('taskSets/update', { id: 99, set: same })).rejects.toThrow(/task set 99 does not exist/);
    expect(await lab.call('taskSets/get', { id: set.id })).toEqual(overridden);
    lab.close();
  });

  it('lists the example task sets shipped in resources/', async () => {
    const lab = new Lab(':memory:');
    const examples = await lab.call('taskSets/examples', {});
    expect(examples.map((x) => x.name)).toEqual(['built-in mix', 'seed example']);
    lab.close();
  });
});
