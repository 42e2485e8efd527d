/** What the local host stores: plain records, persisted as JSON in its git repository. */

export interface RepoRecord {
  owner: string;
  name: string;
  id: number;
  private: boolean;
  defaultBranch: string;
  createdAt: string;
  /** Number the next issue gets. */
  nextIssue: number;
  /** Numbers of issues deleted (GraphQL `deleteIssue`): GitHub answers 410 for them. Absent before deleting existed. */
  deletedIssues?: number[];
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface ReactionRecord {
  id: number;
  content: string;
  user: string;
  createdAt: string;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  reactions: ReactionRecord[];
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  comments: CommentRecord[];
  /** Conversation locked: only collaborators may comment. Absent in records written before locking existed. */
  locked?: boolean;
  /** Why it was locked (`off-topic`, `too heated`, `resolved`, `spam`), if a reason was given. */
  lockReason?: string | null;
}

export interface FileRecord {
  /** Git blob sha of the content. */
  sha: string;
  content: Buffer;
}

export interface BranchRecord {
  name: string;
  /** Commit sha the branch points at (a hash of its files, stable across restarts). */
  sha: string;
  files: Map<string, FileRecord>;
}

export interface RepoState {
  repo: RepoRecord;
  labels: LabelRecord[];
  issues: Map<number, IssueRecord>;
  branches: Map<string, BranchRecord>;
}
