import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes drydock-temporal writes. Defined once here: the dev-server
 * launcher registers them, workflows upsert them, the CLI queries them, and the README's
 * `temporal operator search-attribute create` commands are generated from this list.
 */
export const SEARCH_ATTRIBUTES = {
  DrydockSite: defineSearchAttributeKey('DrydockSite', SearchAttributeType.KEYWORD),
  DrydockNode: defineSearchAttributeKey('DrydockNode', SearchAttributeType.KEYWORD),
  DrydockAction: defineSearchAttributeKey('DrydockAction', SearchAttributeType.KEYWORD),
  DrydockPhase: defineSearchAttributeKey('DrydockPhase', SearchAttributeType.KEYWORD),
  DrydockResult: defineSearchAttributeKey('DrydockResult', SearchAttributeType.KEYWORD),
  DrydockFailureCause: defineSearchAttributeKey('DrydockFailureCause', SearchAttributeType.KEYWORD),
} as const;

export type DrydockSearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** `NAME=Keyword` pairs, as `temporal server start-dev --search-attribute` takes them. */
export function searchAttributeFlags(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).map((key) => `${key.name}=Keyword`);
}
