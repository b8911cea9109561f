package store

// ClaimOutboxSQL is ClaimOutbox's query, for its plan test.
const ClaimOutboxSQL = claimOutboxSQL

// ClaimEventSQL is ClaimEvent's query, for its plan test.
const ClaimEventSQL = claimEventSQL
