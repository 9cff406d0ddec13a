import { LabError } from '../api/errors';
import type { SavedView } from '../api/runs';
import { type Db, now } from './db';

/** Named views of the compare screen: the renderer's state as JSON, under a name. */
const toView = (r: { id: number; name: string; state: string; updated_at: string }): SavedView => ({ id: r.id, name: r.name, state: JSON.parse(r.state), updatedAt: r.updated_at });

export function listViews(db: Db): SavedView[] {
  return (db.prepare('SELECT * FROM saved_views ORDER BY name').all() as Parameters<typeof toView>[0][]).map(toView);
}

export function saveView(db: Db, name: string, state: Record<string, unknown>): SavedView {
  db.prepare('INSERT INTO saved_views (name, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at')
    .run(name, JSON.stringify(state), now());
  return toView(db.prepare('SELECT * FROM saved_views WHERE name = ?').get(name) as Parameters<typeof toView>[0]);
}

export function deleteView(db: Db, id: number): void {
  if (db.prepare('DELETE FROM saved_views WHERE id = ?').run(id).changes === 0) throw new LabError('not_found', `view ${id} does not exist`);
}
