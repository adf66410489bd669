/** Bus events for clients: the numbered public feed (SSE) and 2N-style pull subscriptions. */
export { EVENT_NAMES, EventFeed, type FeedEvent } from './feed.ts';
export { type SubscribeResult, Subscriptions } from './subscriptions.ts';
