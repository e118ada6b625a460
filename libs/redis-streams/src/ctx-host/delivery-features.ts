/**
 * Per-delivery facilities a handler reaches through its {@link RedisStreamsContext} beyond the entry itself, each
 * present only when the feature applies to this delivery (slot 12 of the context). One object, so features can be
 * added without moving the context's slots.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- members are added per feature, all optional
export interface DeliveryFeatures {}
