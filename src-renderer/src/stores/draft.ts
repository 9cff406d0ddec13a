import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

/**
 * The task set being edited, kept outside the view so that switching views does not
 * lose it: the editor comes back with the draft and says it is unsaved.
 */
export interface DraftRow { examples?: number | null; name: string; dataset: string | null; attentionCost: number | null; attentionMeasured: boolean; timeCost: number | null; timeMeasured: boolean; weight: number | null; floor: number | null; cap: number | null }
export interface Draft { id: number | null; name: string; description: string; budget: number | null; timeBudget: number | null; tasks: DraftRow[] }

export const useDraft = defineStore('draft', () => {
  const editing = ref<Draft | null>(null);
  /** the draft as last loaded or saved */
  const saved = ref('');
  const dirty = computed(() => editing.value !== null && JSON.stringify(editing.value) !== saved.value);
  function load(d: Draft | null) {
    editing.value = d;
    saved.value = JSON.stringify(d);
  }
  return { editing, dirty, load };
});
