// Lint fixture: a workflow that does I/O directly. `npm run lint` must reject files like this.
import axios from 'axios';
import { readFileSync } from 'node:fs';
import { createActivities } from '../../../activities';

export async function badWorkflow(): Promise<string> {
  const page = await axios.get<string>('http://127.0.0.1/');
  fetchSomething();
  return page.data + readFileSync('/etc/hostname', 'utf8') + String(createActivities);
}

async function fetchSomething(): Promise<void> {}
