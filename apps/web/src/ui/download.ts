/** Offers `blob` as a download named `<object>-<local date and time>.<extension>` (the object's name made file-safe). */
export function saveFile(blob: Blob, object: string, extension: string, date = new Date()): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${object.replace(/[^\w.-]+/g, '_')}-${fileStamp(date)}.${extension}`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fileStamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}
