// Checks chosen attachments in the browser, before anything is uploaded: a file too large, too many files or a type
// the desk refuses is reported at once, in the server's words. The server checks every file again (tickets/attachments.ts).

/** The desk's attachment limits (config `attachments`), as a file input carries them in `data-*` attributes. */
export interface FileLimits {
  maxBytes: number;
  maxCount: number;
  types: readonly string[];
}

/** Bytes read to sniff a type: what file-type itself reads to detect one (its `reasonableDetectionSizeInBytes`). */
const SNIFF_BYTES = 4100;

/**
 * The first problem with the chosen files, worded as the server words it; undefined when there is none. Sizes come
 * from the files; emptiness and types from the model's own check of their content: the first bytes, and the whole
 * file before refusing one (a few types, such as ZIP-based ones, are told apart only further in, and a text file's
 * first bytes may end inside a character).
 */
export async function problemWithFiles(files: readonly File[], limits: FileLimits, lang: 'en' | 'de' = 'en'): Promise<string | undefined> {
  // Loaded on first use: the sniffer is large, and only a visitor who chose files needs it.
  const { ATTACHMENT_MESSAGES, checkAttachments, formatBytes, safeFileName } = await import('../../tickets/attachments.ts');
  const say = ATTACHMENT_MESSAGES[lang];
  const problemWithContent = async (file: File, length: number): Promise<string | undefined> => {
    const bytes = new Uint8Array(await file.slice(0, length).arrayBuffer());
    const result = await checkAttachments([{ name: file.name, bytes }], { ...limits, types: [...limits.types], maxCount: 1 }, lang);
    return result.ok ? undefined : result.error;
  };
  if (files.length > limits.maxCount) return say.tooMany(limits.maxCount, files.length);
  for (const file of files) {
    if (file.size > limits.maxBytes) return say.tooLarge(safeFileName(file.name), formatBytes(file.size), formatBytes(limits.maxBytes));
    let problem = await problemWithContent(file, SNIFF_BYTES);
    if (problem && file.size > SNIFF_BYTES) problem = await problemWithContent(file, file.size);
    if (problem) return problem;
  }
  return undefined;
}

/** The limits a file input carries (`data-max-bytes`, `data-max-count`, `data-types`); undefined when it carries none. */
function limitsOf(input: HTMLInputElement): FileLimits | undefined {
  const maxBytes = Number(input.dataset['maxBytes']);
  const maxCount = Number(input.dataset['maxCount']);
  const types = input.dataset['types']?.split(',').filter(Boolean);
  if (!Number.isInteger(maxBytes) || !Number.isInteger(maxCount) || !types) return undefined;
  return { maxBytes, maxCount, types };
}

/** Shows (or, with no problem, clears) the input's error where the page puts it (components/tickets/FieldError.astro). */
function showProblem(input: HTMLInputElement, problem: string | undefined): void {
  const id = `${input.id}-error`;
  let error = document.getElementById(id);
  const describedBy = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((token) => token && token !== id);
  if (!problem) {
    error?.remove();
    input.removeAttribute('aria-invalid');
    if (describedBy.length > 0) input.setAttribute('aria-describedby', describedBy.join(' '));
    else input.removeAttribute('aria-describedby');
    return;
  }
  if (!error) {
    error = document.createElement('p');
    error.className = 'field-error';
    error.id = id;
    // Announced when it appears, while the visitor is still choosing files.
    error.setAttribute('role', 'alert');
    input.insertAdjacentElement('afterend', error);
  }
  error.textContent = problem;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [id, ...describedBy].join(' '));
}

/**
 * Checks the files chosen in every `input[type=file][data-max-bytes]` as soon as they are chosen, and keeps a form
 * with a problem from being sent: the message shows next to the input, which takes the focus (its description reads
 * the message out), and nothing is uploaded.
 */
export function checkFilesBeforeUpload(root: ParentNode = document): void {
  for (const input of root.querySelectorAll<HTMLInputElement>('input[type="file"][data-max-bytes]')) {
    const limits = limitsOf(input);
    const form = input.form;
    if (!limits || !form) continue;
    let verdict: Promise<string | undefined> = Promise.resolve(undefined);
    let settled: { problem: string | undefined } | undefined = { problem: undefined };
    input.addEventListener('change', () => {
      // The page's language (a German form or ticket page) words the problem.
      // A check that cannot run (its code not loaded: offline, before the service worker kept it) blocks nothing:
      // the server checks every file again.
      const checking = problemWithFiles([...(input.files ?? [])], limits, document.documentElement.lang === 'de' ? 'de' : 'en').catch(() => undefined);
      verdict = checking;
      settled = undefined;
      void checking.then((problem) => {
        // Files chosen again meanwhile have a check of their own.
        if (verdict !== checking) return;
        settled = { problem };
        showProblem(input, problem);
      });
    });
    // Capturing, so it runs before the page's own submit handlers (ticket-form.ts sends the form with fetch).
    form.addEventListener(
      'submit',
      (event) => {
        if (settled && !settled.problem) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        void verdict.then((problem) => {
          if (!problem) return form.requestSubmit();
          showProblem(input, problem);
          input.focus();
        });
      },
      { capture: true },
    );
  }
}
