/** Saves a blob or a data URL as a file the browser downloads. */
export function download(filename: string, body: Blob | string): void {
  const href = typeof body === 'string' ? body : URL.createObjectURL(body);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.click();
  if (typeof body !== 'string') setTimeout(() => URL.revokeObjectURL(href), 1000);
}
