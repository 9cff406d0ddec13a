/**
 * The renderer's Content-Security-Policy, sent by every door that serves it (the desktop
 * app's responses, serve mode's): its own scripts only; style-src keeps 'unsafe-inline'
 * because Naive UI injects its component styles at run time. index.html carries the same
 * policy as a meta tag, less frame-ancestors (which a meta tag cannot set).
 */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
