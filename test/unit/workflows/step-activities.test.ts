import { createActivities } from '../../../activities';
import * as control from '../../../src/contracts/control';
import { NODE_STEP_ACTIVITIES, SITE_STEP_ACTIVITIES } from '../../../workflows/step-activities';

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

describe('step -> activity tables', () => {
  const registered = Object.keys(createActivities());

  it.each(Object.entries(NODE_STEP_ACTIVITIES))('node step %s calls the activity of its own name, which the worker registers', (step, entry) => {
    expect(entry.activity).toBe(lowerFirst(step));
    expect(registered).toContain(entry.activity);
    expect(entry.options.startToCloseTimeout ?? entry.options.scheduleToCloseTimeout).toBeDefined();
  });

  it.each(Object.entries(SITE_STEP_ACTIVITIES).filter(([, entry]) => entry !== null))('site step %s calls the activity of its own name, which the worker registers', (step, entry) => {
    expect(entry?.activity).toBe(lowerFirst(step));
    expect(registered).toContain(entry?.activity);
  });

  it('CheckExists answers "not known" while IdentifyNode waits for the node (different activities and policies)', () => {
    expect(NODE_STEP_ACTIVITIES.CheckExists.activity).toBe('checkExists');
    expect(NODE_STEP_ACTIVITIES.IdentifyNode.activity).toBe('identifyNode');
    expect(NODE_STEP_ACTIVITIES.IdentifyNode.options.scheduleToCloseTimeout).toBe('10 minutes');
  });
});

describe('control definitions', () => {
  it('keep the names running workflows and older clients use', () => {
    const names = Object.fromEntries(Object.entries(control).map(([key, def]) => [key, def.name]));
    expect(names).toEqual({
      pauseSignal: 'pause',
      resumeSignal: 'resume',
      confirmSignal: 'confirm',
      closeSignal: 'close',
      retryFailedUpdate: 'retryFailed',
      abortUpdate: 'abort',
      progressQuery: 'progress',
      nodeProgressQuery: 'nodeProgress',
      abortLaneSignal: 'abortLane',
    });
  });
});
