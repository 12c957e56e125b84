// Names shared by the auth instance, the proxy and the UI (no server imports here).
export const TOKEN_PREFIX = "stw_";
export const SESSION_COOKIE_PREFIX = "stepwise";
