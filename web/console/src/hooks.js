import { useEffect, useState } from 'preact/hooks';
import { getState, subscribe } from './store.js';

/** Re-render on every store change (the state object is replaced, never mutated). */
export function useStore() {
  const [s, setS] = useState(getState());
  useEffect(() => subscribe(setS), []);
  return s;
}
