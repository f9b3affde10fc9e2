import { Context } from '@temporalio/activity';
import type { BuildDataInput } from '../src/builddata/store';

/**
 * Build data from activities (issue 16 item 5): what a step collected about a node (commissioning
 * lshw, InterrogateNode, InterrogateOob) goes to the build-data store in Drydock's shape
 * (node_name, task_id, collected_date, generator, data_format, data_element); the workflow gets
 * back only a reference (generator and size), so large data stays out of its history.
 */
export interface BuildDataSink {
  put(input: BuildDataInput | BuildDataInput[]): Promise<void>;
}

/** What a workflow sees of stored build data. */
export interface BuildDataRef {
  generator: string;
  bytes: number;
}

/** The deployment the data belongs to: the input's task id, else the calling workflow's id. */
export function taskIdOf(taskId: string | undefined, fallback: string): string {
  if (taskId) return taskId;
  try {
    return Context.current().info.workflowExecution?.workflowId ?? fallback;
  } catch {
    return fallback; // not in an activity (a CLI or test call)
  }
}

export async function storeBuildData(sink: BuildDataSink, item: { node: string; taskId: string; generator: string; dataFormat: string; data: string }): Promise<BuildDataRef> {
  await sink.put({ node_name: item.node, task_id: item.taskId, generator: item.generator, data_format: item.dataFormat, data_element: item.data });
  return { generator: item.generator, bytes: Buffer.byteLength(item.data) };
}
