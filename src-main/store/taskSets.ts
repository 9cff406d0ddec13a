import { LabError } from '../api/errors';
import { type Task, type TaskSet, type TaskSetParsed, type TaskSetSummary } from '../api/schemas';
import { type Db, now, writeTx } from './db';

interface TaskRow {
  id: number; position: number; name: string; attention_cost: number; attention_measured: number;
  time_cost: number; time_measured: number; weight: number; floor: number; cap: number;
  examples: number | null; dataset_id: number | null; dataset_name: string | null;
}
interface SetRow { id: number; name: string; description: string; budget: number; time_budget: number | null; created_at: string; updated_at: string }

const toTask = (r: TaskRow): Task => ({
  id: r.id, position: r.position, name: r.name,
  attentionCost: r.attention_cost, attentionMeasured: !!r.attention_measured,
  timeCost: r.time_cost, timeMeasured: !!r.time_measured,
  weight: r.weight, floor: r.floor, cap: r.cap, examples: r.examples,
  datasetId: r.dataset_id, datasetName: r.dataset_name,
});
const toSet = (r: SetRow) => ({
  id: r.id, name: r.name, description: r.description, budget: r.budget, timeBudget: r.time_budget,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Stores a validated task set and its tasks in one transaction; data sets are named, resolved here. */
export function createTaskSet(db: Db, input: TaskSetParsed): TaskSet {
  const id = writeTx(db, () => {
    if (db.prepare('SELECT 1 FROM task_sets WHERE name = ?').get(input.name))
      throw new LabError('conflict', `name: a task set named '${input.name}' already exists`);
    const t = now();
    const setId = Number(
      db.prepare('INSERT INTO task_sets (name, description, budget, time_budget, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(input.name, input.description, input.budget, input.timeBudget, t, t).lastInsertRowid,
    );
    insertTasks(db, setId, input.tasks, new Map());
    return setId;
  });
  return getTaskSet(db, id);
}

/**
 * Replaces a task set's budget and tasks in one transaction (solves and runs keep their
 * own snapshots). A measured cost the edit leaves unchanged stays marked measured.
 */
export function updateTaskSet(db: Db, id: number, input: TaskSetParsed): TaskSet {
  writeTx(db, () => {
    const old = getTaskSet(db, id);
    if (db.prepare('SELECT 1 FROM task_sets WHERE name = ? AND id != ?').get(input.name, id))
      throw new LabError('conflict', `name: a task set named '${input.name}' already exists`);
    db.prepare('UPDATE task_sets SET name = ?, description = ?, budget = ?, time_budget = ?, updated_at = ? WHERE id = ?')
      .run(input.name, input.description, input.budget, input.timeBudget, now(), id);
    db.prepare('DELETE FROM tasks WHERE task_set_id = ?').run(id);
    insertTasks(db, id, input.tasks, new Map(old.tasks.map((t) => [t.name, t])));
  });
  return getTaskSet(db, id);
}

function insertTasks(db: Db, setId: number, tasks: TaskSetParsed['tasks'], before: Map<string, Task>): void {
  const findDataset = db.prepare<[string], { id: number; n: number; meta: string }>(
    "SELECT d.id, d.meta, (SELECT count(*) FROM examples e WHERE e.dataset_id = d.id AND e.split = 'train') AS n FROM datasets d WHERE d.name = ?",
  );
  const insertTask = db.prepare(
    `INSERT INTO tasks (task_set_id, position, name, dataset_id, attention_cost, attention_measured, time_cost, time_measured, weight, floor, cap, examples)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  tasks.forEach((task, i) => {
    let datasetId: number | null = null;
    let examples = task.examples;
    let attention = task.attentionCost;
    if (task.dataset !== null) {
      const d = findDataset.get(task.dataset);
      if (!d) throw new LabError('not_found', `tasks[${i}].dataset: no data set named '${task.dataset}'`);
      datasetId = d.id;
      examples ??= d.n || null;
      // a_i measured: the tokens a model reads of the training split (stored with the data set's statistics)
      attention ??= (JSON.parse(d.meta) as { stats?: { trainTokens?: number } }).stats?.trainTokens;
    }
    if (attention === undefined) throw new LabError('invalid_input', `tasks[${i}].attentionCost: required, and data set '${task.dataset}' has no measured token count`);
    const was = before.get(task.name), same = was && was.datasetId === datasetId;
    const attentionMeasured = task.attentionCost === undefined || (same && was.attentionMeasured && was.attentionCost === attention);
    const timeMeasured = same && was.timeMeasured && was.timeCost === task.timeCost;
    insertTask.run(setId, i, task.name, datasetId, attention, attentionMeasured ? 1 : 0, task.timeCost, timeMeasured ? 1 : 0, task.weight, task.floor, task.cap, examples);
  });
}

export function getTaskSet(db: Db, id: number): TaskSet {
  const row = db.prepare<[number], SetRow>('SELECT * FROM task_sets WHERE id = ?').get(id);
  if (!row) throw new LabError('not_found', `task set ${id} does not exist`);
  const tasks = db
    .prepare<[number], TaskRow>(
      `SELECT t.*, d.name AS dataset_name FROM tasks t LEFT JOIN datasets d ON d.id = t.dataset_id
       WHERE t.task_set_id = ? ORDER BY t.position`,
    )
    .all(id)
    .map(toTask);
  return { ...toSet(row), tasks };
}

export function listTaskSets(db: Db): TaskSetSummary[] {
  return db
    .prepare<[], SetRow & { task_count: number; total_attention: number | null }>(
      `SELECT s.*, count(t.id) AS task_count, sum(t.attention_cost) AS total_attention
       FROM task_sets s LEFT JOIN tasks t ON t.task_set_id = s.id GROUP BY s.id ORDER BY s.id`,
    )
    .all()
    .map((r) => ({ ...toSet(r), taskCount: r.task_count, totalAttention: r.total_attention ?? 0 }));
}

export function deleteTaskSet(db: Db, id: number): void {
  if (db.prepare('DELETE FROM task_sets WHERE id = ?').run(id).changes === 0)
    throw new LabError('not_found', `task set ${id} does not exist`);
}

/** Stores measured costs (a_i, t_i) on a set's tasks, marked measured, in one transaction. */
export function setMeasuredCosts(db: Db, taskSetId: number, costs: { taskId: number; attentionCost: number; timeCost: number }[]): TaskSet {
  writeTx(db, () => {
    const update = db.prepare('UPDATE tasks SET attention_cost = ?, attention_measured = 1, time_cost = ?, time_measured = 1 WHERE id = ? AND task_set_id = ?');
    for (const c of costs)
      if (update.run(c.attentionCost, c.timeCost, c.taskId, taskSetId).changes === 0) throw new LabError('not_found', `task ${c.taskId} is not in task set ${taskSetId}`);
    db.prepare('UPDATE task_sets SET updated_at = ? WHERE id = ?').run(now(), taskSetId);
  });
  return getTaskSet(db, taskSetId);
}
