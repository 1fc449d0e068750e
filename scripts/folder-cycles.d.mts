export declare const REPO_ROOT: string;
export declare const CONFIG_FILE: string;

/** One import between two folders: the importing file and the imported one, paths from the cruise's root. */
export interface FolderImport {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** A folder -> folder arrow on a cycle, the imports that make it, and a shortest cycle through it. */
export interface FolderArrow {
  from: string;
  to: string;
  /** Starts and ends with `from`: from -> to -> ... -> from. */
  cycle: string[];
  imports: FolderImport[];
}

export interface FolderCycles {
  /** Every folder the cruise found, sorted. */
  units: string[];
  /** Folders that reach each other (strongly connected components of two or more), each sorted. */
  groups: string[][];
  /** Every arrow between two folders of one group, sorted by its ends. */
  arrows: FolderArrow[];
}

export interface FolderCycleCheck extends FolderCycles {
  /** Modules cruised, packages and node's modules included. */
  modules: number;
  /** Errors of the configuration's own rules (not-to-composition-root, not-to-unresolvable). */
  violations: { rule: string; from: string; to: string }[];
}

export declare function checkFolderCycles(options?: { baseDir?: string; paths?: string[]; configFile?: string }): Promise<FolderCycleCheck>;

export declare function unitOf(path: string, unitPattern: string): string | undefined;

export declare function findFolderCycles(
  modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[] }[] }[],
  unitPattern: string,
): FolderCycles;

export declare function formatFindings(check: Pick<FolderCycleCheck, 'violations' | 'groups' | 'arrows'>): string;
