import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CallOutput } from '@api/contract';
import { call } from '../api';

/** What the app knows about the store; views read it, actions refresh it through the API client. */
export const useLab = defineStore('lab', () => {
  const info = ref<CallOutput<'db/info'> | null>(null);
  const taskSets = ref<CallOutput<'taskSets/list'>>([]);
  const error = ref<string | null>(null);

  async function refresh() {
    try {
      [info.value, taskSets.value] = await Promise.all([call('db/info', {}), call('taskSets/list', {})]);
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }
  return { info, taskSets, error, refresh };
});
