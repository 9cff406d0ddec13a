/**
 * The core's refusals name fields as the contract does ('set.tasks[1].floor: floor must
 * be ≤ 1'); in the app a field is named as its label says ('task 2 floor').
 */
const FIELDS: Record<string, string> = {
  attentionCost: 'a (attention cost)', timeCost: 't (time, s)', weight: 'w (weight)', floor: 'floor', cap: 'cap', name: 'name', dataset: 'data set',
  budget: 'Budget A', timeBudget: 'time budget', description: 'description', tasks: 'tasks',
};
const field = (f: string) => FIELDS[f] ?? f;

export function inAppWords(message: string): string {
  return message
    .replace(/^invalid input to [\w/]+: /, '')
    .replace(/\b(?:set\.)?tasks\[(\d+)\]\.(\w+)/g, (_, i: string, f: string) => `task ${Number(i) + 1} ${field(f)}`)
    .replace(/(^|; )(?:set\.)?(\w+): /g, (_, pre: string, f: string) => `${pre}${field(f)}: `)
    .replace(/\b(\w+) must be/g, (m, f: string) => (FIELDS[f] ? `it must be` : m));
}
