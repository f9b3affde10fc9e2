/**
 * The control of a running site or node workflow: every signal, update and query, defined once.
 * The workflows set handlers for these definitions and the client sends them, so names and
 * argument types cannot drift apart. (`defineSignal` and friends only build plain definition
 * objects: clients may import them outside a workflow.)
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NodeProgress, ProgressQueryOptions, SiteProgress } from './deployment';

/** Holds new work between steps (a running step finishes first); site runs pass it to their nodes. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** A person confirms the manual OOB step of that node. */
export const confirmSignal = defineSignal<[{ node: string }]>('confirm');
/** Ends the retry window of a finished run with failures. */
export const closeSignal = defineSignal('close');

/** Retries the failed nodes; returns the names retried. */
export const retryFailedUpdate = defineUpdate<string[]>('retryFailed');
/** Cancels all node work; returns the names of the nodes that were running. */
export const abortUpdate = defineUpdate<string[]>('abort');

/** Ends a lane's node work (the site's abort, passed down): running nodes are cancelled, queued
 * ones skipped, and the lane returns its results. */
export const abortLaneSignal = defineSignal('abortLane');

/** SiteProgress of a site (or lane) workflow: counts, and one page of the node list. */
export const progressQuery = defineQuery<SiteProgress, [ProgressQueryOptions?]>('progress');
/** NodeProgress of a node workflow. */
export const nodeProgressQuery = defineQuery<NodeProgress>('nodeProgress');
