import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { BranchRecord, FileRecord, IssueRecord, LabelRecord, RepoRecord, RepoState } from './records.ts';
import { branchSha, gitBlobSha } from './shapes.ts';

const run = promisify(execFile);

/** A repository the local host serves. */
export interface LocalRepository {
  /** owner/name. */
  fullName: string;
  /** Private repositories are invisible to users without permission. @default true */
  private?: boolean;
}

interface Counters {
  nextId: number;
}

/** Collects the files a change touches; the store writes them and commits once. */
export interface Transaction {
  saveRepo(state: RepoState): void;
  saveLabels(state: RepoState): void;
  saveIssue(state: RepoState, issue: IssueRecord): void;
  saveFile(state: RepoState, branch: BranchRecord, path: string, file: FileRecord): void;
  saveBranch(state: RepoState, branch: BranchRecord): void;
  /** Removes a file of a branch (the contents API's delete). */
  deleteFile(state: RepoState, branch: BranchRecord, path: string): void;
  /** Removes a branch and its files. */
  deleteBranch(state: RepoState, branch: BranchRecord): void;
  /** Removes an issue's record (GraphQL `deleteIssue`). */
  deleteIssue(state: RepoState, issueNumber: number): void;
  /** A fresh id for issues, comments, labels and reactions (unique across the host, like GitHub's). */
  nextId(): number;
}

function repoDir(repo: RepoRecord): string {
  return join('repos', repo.owner, repo.name);
}

/** Paths inside the repository's contents must stay inside it. */
export function isSafeContentPath(path: string): boolean {
  return path.length > 0 && path.length < 1024 && !path.startsWith('/') && path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..') && !path.includes('\0');
}

/**
 * The local host's state: in memory for reads, persisted to a git repository under `dataDir` with one
 * commit per change. Changes run one at a time through a queue, so concurrent requests never lose a write.
 */
export class Store {
  readonly dataDir: string;
  readonly repos = new Map<string, RepoState>();
  private counters: Counters = { nextId: 1 };
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Opens (or creates) the store, loading every repository from disk. */
  static async open(dataDir: string, repositories: LocalRepository[]): Promise<Store> {
    const store = new Store(dataDir);
    await mkdir(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, '.git'))) {
      await store.git('init', '-q', '-b', 'main');
      await writeFile(join(dataDir, '.git', 'info', 'exclude'), 'local-host.json\n*.tmp\n');
    }
    await store.load();
    if ((await store.git('status', '--porcelain')).trim() !== '') await store.commit([], 'changes written before the last stop');
    const { tx, files } = store.transaction();
    let created = false;
    for (const r of repositories) {
      const [owner, name] = r.fullName.split('/') as [string, string];
      if (store.repos.has(r.fullName.toLowerCase())) continue;
      const state: RepoState = {
        repo: { owner, name, id: tx.nextId(), private: r.private ?? true, defaultBranch: 'main', createdAt: now(), nextIssue: 1 },
        labels: [],
        issues: new Map(),
        branches: new Map(),
      };
      const main: BranchRecord = { name: 'main', sha: branchSha(new Map(), r.fullName), files: new Map() };
      state.branches.set('main', main);
      store.repos.set(r.fullName.toLowerCase(), state);
      tx.saveRepo(state);
      tx.saveBranch(state, main);
      created = true;
    }
    if (created) await store.persist(files, `create repositories ${repositories.map((r) => r.fullName).join(', ')}`);
    return store;
  }

  /** Runs git in the data folder. */
  async git(...args: string[]): Promise<string> {
    const { stdout } = await run('git', ['-c', 'user.name=local-host', '-c', 'user.email=local-host@localhost', '-c', 'commit.gpgsign=false', ...args], {
      cwd: this.dataDir,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  /** The repository state for owner/name, case-insensitively like GitHub. */
  get(owner: string, name: string): RepoState | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  /**
   * Applies a change: `mutate` edits the in-memory state and records touched files; the files are written
   * before the promise resolves, and committed to git in the background, changes that arrive meanwhile
   * together (one `git commit` per batch: spawning git twice per change made every write cost a tenth of
   * a second). Changes are serialized. Files written but not yet committed when the process stops are
   * committed at the next start.
   */
  write<R>(message: string, mutate: (tx: Transaction) => R): Promise<R> {
    const next = this.queue.then(async () => {
      const { tx, files, saved } = this.transaction();
      const result = mutate(tx);
      if (files.size > 0) {
        await this.writeFiles(files);
        // Written: the bytes are read from disk when asked for, not kept (thousands of attachments would be gigabytes).
        for (const [file, relativePath] of saved) readFromDisk(file, join(this.dataDir, relativePath));
        this.commitLater(files.keys(), message);
      }
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for every queued change and its commit. */
  async flush(): Promise<void> {
    await this.queue;
    while (this.pending) await this.committing;
    await this.committing;
  }

  /**
   * Squashes the data folder's git history into one commit of what is there now, and prunes every other object:
   * afterwards no earlier version of any record or file (an issue's text before an edit, a deleted issue, a file
   * removed by a history rewrite) is left in the repository. GitHub drops a deleted issue and, in time, the commits
   * a forced push left unreachable; the local host does it at once, for the changes that remove content (GraphQL
   * `deleteIssue`, a ref forced to a commit that does not descend from it). Runs in the write queue.
   */
  purgeHistory(reason: string): Promise<void> {
    const next = this.queue.then(async () => {
      while (this.pending) await this.committing;
      await this.committing;
      if ((await this.git('status', '--porcelain')).trim() !== '') await this.commit([], 'changes written before the history was purged');
      const tree = (await this.git('rev-parse', 'HEAD^{tree}')).trim();
      const commit = (await this.git('commit-tree', tree, '-m', `history purged: ${reason}`)).trim();
      await this.git('update-ref', 'HEAD', commit);
      await this.git('reflog', 'expire', '--expire=now', '--all');
      await this.git('gc', '-q', '--prune=now');
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private pending: { paths: Set<string>; messages: string[] } | undefined;
  /** Paths of a commit that failed, for the next one. */
  private readonly uncommitted = new Set<string>();
  private committing: Promise<void> = Promise.resolve();

  private commitLater(paths: Iterable<string>, message: string): void {
    if (!this.pending) {
      const batch = { paths: new Set<string>(), messages: [] as string[] };
      this.pending = batch;
      this.committing = this.committing.then(async () => {
        this.pending = undefined;
        for (const path of this.uncommitted) batch.paths.add(path);
        this.uncommitted.clear();
        const text = batch.messages.length === 1 ? (batch.messages[0] as string) : `${batch.messages.length} changes\n\n${batch.messages.join('\n')}`;
        await this.commit([...batch.paths], text).catch((error: unknown) => {
          // The files are written: the next commit takes these paths too.
          for (const path of batch.paths) this.uncommitted.add(path);
          console.error(`local-host: git commit failed (the next commit takes its files): ${(error as Error).message}`);
        });
      });
    }
    for (const path of paths) this.pending.paths.add(path);
    this.pending.messages.push(message);
  }

  private transaction(): { tx: Transaction; files: Map<string, Buffer | string | null>; saved: Array<[FileRecord, string]> } {
    // A path mapped to null is deleted.
    const files = new Map<string, Buffer | string | null>();
    const saved: Array<[FileRecord, string]> = [];
    const json = (path: string, value: unknown) => files.set(path, `${JSON.stringify(value, null, 2)}\n`);
    const tx: Transaction = {
      saveRepo: (s) => json(join(repoDir(s.repo), 'repository.json'), s.repo),
      saveLabels: (s) => json(join(repoDir(s.repo), 'labels.json'), s.labels),
      saveIssue: (s, issue) => json(join(repoDir(s.repo), 'issues', `${issue.number}.json`), issue),
      saveFile: (s, branch, path, file) => {
        const relativePath = join(repoDir(s.repo), 'contents', branch.name, path);
        files.set(relativePath, file.content);
        saved.push([file, relativePath]);
      },
      saveBranch: (s, branch) => json(join(repoDir(s.repo), 'branches', `${encodeURIComponent(branch.name)}.json`), { name: branch.name, sha: branch.sha }),
      deleteFile: (s, branch, path) => files.set(join(repoDir(s.repo), 'contents', branch.name, path), null),
      deleteBranch: (s, branch) => {
        files.set(join(repoDir(s.repo), 'branches', `${encodeURIComponent(branch.name)}.json`), null);
        for (const path of branch.files.keys()) files.set(join(repoDir(s.repo), 'contents', branch.name, path), null);
      },
      deleteIssue: (s, issueNumber) => files.set(join(repoDir(s.repo), 'issues', `${issueNumber}.json`), null),
      nextId: () => {
        const id = this.counters.nextId++;
        json('counters.json', this.counters);
        return id;
      },
    };
    return { tx, files, saved };
  }

  private async persist(files: Map<string, Buffer | string | null>, message: string): Promise<void> {
    await this.writeFiles(files);
    await this.commit([...files.keys()], message);
  }

  private async writeFiles(files: Map<string, Buffer | string | null>): Promise<void> {
    for (const [path, content] of files) {
      const full = join(this.dataDir, path);
      if (content === null) {
        await rm(full, { force: true });
        continue;
      }
      await mkdir(dirname(full), { recursive: true });
      // Whole or not at all: a commit running meanwhile reads the old file or the new one, never half of it.
      await writeFile(`${full}.tmp`, content);
      await rename(`${full}.tmp`, full);
    }
  }

  /** Commits the given paths (all changes when none are given: leftovers of a run that stopped before committing). */
  private async commit(paths: string[], message: string): Promise<void> {
    // Only the touched paths: `add -A` would look at every file of the tree on each commit. Deleted ones leave the
    // index (if they were ever in it: a file written and deleted within one batch never was).
    const gone = paths.filter((path) => !existsSync(join(this.dataDir, path)));
    const present = paths.filter((path) => !gone.includes(path));
    if (gone.length > 0) await this.git('rm', '-q', '--cached', '--ignore-unmatch', '--', ...gone);
    if (present.length > 0 || paths.length === 0) await this.git('add', ...(paths.length > 0 ? ['--', ...present] : ['-A']));
    await this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  private async load(): Promise<void> {
    const countersFile = join(this.dataDir, 'counters.json');
    if (existsSync(countersFile)) this.counters = JSON.parse(await readFile(countersFile, 'utf8')) as Counters;
    const reposDir = join(this.dataDir, 'repos');
    if (!existsSync(reposDir)) return;
    for (const owner of await readdir(reposDir)) {
      for (const name of await readdir(join(reposDir, owner))) {
        const dir = join(reposDir, owner, name);
        const repo = JSON.parse(await readFile(join(dir, 'repository.json'), 'utf8')) as RepoRecord;
        const labelsFile = join(dir, 'labels.json');
        const labels = existsSync(labelsFile) ? (JSON.parse(await readFile(labelsFile, 'utf8')) as LabelRecord[]) : [];
        const issues = new Map<number, IssueRecord>();
        for (const file of await listFiles(join(dir, 'issues'))) {
          const issue = JSON.parse(await readFile(join(dir, 'issues', file), 'utf8')) as IssueRecord;
          issues.set(issue.number, issue);
        }
        const branches = new Map<string, BranchRecord>();
        for (const file of await listFiles(join(dir, 'branches'))) {
          const { name: branchName, sha } = JSON.parse(await readFile(join(dir, 'branches', file), 'utf8')) as { name: string; sha: string };
          const files = new Map<string, FileRecord>();
          const contentDir = join(dir, 'contents', branchName);
          for (const path of await walk(contentDir)) {
            const record = { sha: gitBlobSha(await readFile(join(contentDir, path))), content: Buffer.alloc(0) };
            readFromDisk(record, join(contentDir, path));
            files.set(path.split(sep).join('/'), record);
          }
          branches.set(branchName, { name: branchName, sha, files });
        }
        this.repos.set(`${repo.owner}/${repo.name}`.toLowerCase(), { repo, labels, issues, branches });
      }
    }
  }

  /** Removes the data folder (tests). */
  static async destroy(dataDir: string): Promise<void> {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Makes a file record's `content` read the file at `full` each time it is asked for. */
function readFromDisk(file: FileRecord, full: string): void {
  Object.defineProperty(file, 'content', { get: () => readFileSync(full), enumerable: true, configurable: true });
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith('.json'));
}

async function walk(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** GitHub's timestamp format: ISO 8601 without milliseconds. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
