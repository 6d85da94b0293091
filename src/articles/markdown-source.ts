import { watch, type FSWatcher } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import MarkdownIt from 'markdown-it';
import { z } from 'zod';
import { accessLevels, type Article, type ArticleBlock, type ArticleSource, type ArticleSummary } from './article';

const slugPattern = /^[a-z0-9][a-z0-9-]{0,127}$/;

const frontMatterSchema = z.object({
  title: z.string().trim().min(1),
  slug: z.string().regex(slugPattern, 'lower-case letters, digits and hyphens').optional(),
  section: z.string().trim().toLowerCase().regex(slugPattern, 'lower-case letters, digits and hyphens').default('news'),
  access: z.enum(accessLevels).optional(),
  published: z.union([z.date(), z.string()]).transform((value, ctx) => {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'is not a date' });
      return z.NEVER;
    }
    return date.toISOString();
  }),
  author: z.string().trim().min(1).optional(),
  summary: z.string().trim().min(1).optional(),
  image: z
    .string()
    .trim()
    .refine((value) => /^(https?:\/\/|\/(?!\/))\S*$/i.test(value), 'must be an http(s) URL or a path starting with /')
    .optional(),
});

export class ArticleFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ArticleFileError';
  }
}

/** Splits rendered Markdown into its top-level elements, so the gate can cut between them. */
function renderBlocks(markdown: MarkdownIt.MarkdownIt, body: string): ArticleBlock[] {
  const env = {};
  const tokens = markdown.parse(body, env);
  const blocks: ArticleBlock[] = [];
  let start = 0;
  let depth = 0;
  tokens.forEach((token, index) => {
    depth += token.nesting;
    if (depth !== 0) return;
    const slice = tokens.slice(start, index + 1);
    blocks.push({ html: markdown.renderer.render(slice, markdown.options, env), isParagraph: slice[0]?.type === 'paragraph_open' });
    start = index + 1;
  });
  return blocks;
}

/** A file that could not be read as an article, as the log and `problems` report it. */
export interface ArticleFileProblem {
  readonly file: string;
  readonly reason: string;
}

interface Loaded {
  readonly bySlug: ReadonlyMap<string, Article>;
  readonly summaries: readonly ArticleSummary[];
  readonly problems: readonly ArticleFileProblem[];
}

// Raw HTML in Markdown is escaped: article files cannot inject scripts into pages.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: true });

/** One file as an article, or the reason it is not one. */
async function readArticle(directory: string, file: string): Promise<Article> {
  // A read error (the file gone mid-save, a folder named *.md) is itself, not bad YAML.
  const text = await fs.readFile(path.join(directory, file), 'utf8');
  let parsed: matter.GrayMatterFile<string>;
  try {
    // An empty options object keeps gray-matter from caching by content across sources.
    parsed = matter(text, {});
  } catch (error) {
    throw new ArticleFileError(file, `front matter is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = frontMatterSchema.safeParse(parsed.data);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join('.') || 'front matter'} ${i.message}`);
    throw new ArticleFileError(file, reasons.join('; '));
  }
  const meta = result.data;
  const slug = meta.slug ?? path.basename(file, '.md');
  if (!slugPattern.test(slug)) throw new ArticleFileError(file, `file name is not a valid slug; set "slug"`);
  return {
    slug,
    title: meta.title,
    section: meta.section,
    access: meta.access,
    published: meta.published,
    author: meta.author,
    summary: meta.summary,
    ...(meta.image === undefined ? {} : { image: meta.image }),
    blocks: renderBlocks(markdown, parsed.content),
  };
}

/** Every readable article of the folder; each file that is not one is a problem, not a failure. */
async function loadFolder(directory: string): Promise<Loaded> {
  const files = (await fs.readdir(directory)).filter((f) => f.endsWith('.md') && !f.startsWith('.')).sort();
  const bySlug = new Map<string, Article>();
  const problems: ArticleFileProblem[] = [];
  for (const file of files) {
    try {
      const article = await readArticle(directory, file);
      if (bySlug.has(article.slug)) throw new ArticleFileError(file, `slug "${article.slug}" is used by another article`);
      bySlug.set(article.slug, article);
    } catch (error) {
      // A file deleted between the listing and the read is simply gone.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      problems.push({ file, reason: error instanceof ArticleFileError ? error.reason : (error as Error).message });
    }
  }
  const summaries = [...bySlug.values()]
    .map(({ blocks: _blocks, ...summary }) => summary)
    .sort((a, b) => b.published.localeCompare(a.published) || a.slug.localeCompare(b.slug));
  return { bySlug, summaries, problems };
}

/** What the source tells about its folder: each file skipped, and each reload. */
export interface ContentLog {
  warn(details: { file: string; reason: string }, message: string): void;
  info(details: { articles: number; skipped: number }, message: string): void;
}

/**
 * The `*.md` files of a folder, with YAML front matter. A file that is not a valid article is
 * reported and skipped, never stopping the site. With `watch`, the folder is read again
 * whenever a file in it changes (a new article is published without a restart); readers keep
 * the previous set until the new one is complete.
 */
export class MarkdownArticleSource implements ArticleSource {
  private watcher: FSWatcher | undefined;
  /** The folder the watcher is on (device and inode of its real path): a folder replaced or a symlink swapped is another. */
  private watched: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();

  private constructor(
    private readonly directory: string,
    private loaded: Loaded,
    private readonly log: ContentLog | undefined,
  ) {}

  static async load(directory: string, options: { readonly log?: ContentLog; readonly watch?: boolean } = {}): Promise<MarkdownArticleSource> {
    const source = new MarkdownArticleSource(directory, await loadFolder(directory), options.log);
    source.report();
    if (options.watch) await source.watch();
    return source;
  }

  /** The files skipped at the last read, with why. */
  get problems(): readonly ArticleFileProblem[] {
    return this.loaded.problems;
  }

  async list(): Promise<readonly ArticleSummary[]> {
    return this.loaded.summaries;
  }

  async get(slug: string): Promise<Article | undefined> {
    return this.loaded.bySlug.get(slug);
  }

  /** Reads the folder again now (the watcher calls it; tests may too). */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      try {
        this.loaded = await loadFolder(this.directory);
        this.log?.info({ articles: this.loaded.bySlug.size, skipped: this.loaded.problems.length }, 'articles reloaded');
        this.report();
      } catch (error) {
        // The folder itself unreadable for a moment (moved, remounted): the last set stays.
        this.log?.warn({ file: this.directory, reason: (error as Error).message }, 'could not read the articles folder; keeping the articles already loaded');
      }
    });
    return this.reloading;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.timer);
    clearInterval(this.poll);
  }

  private report(): void {
    for (const problem of this.loaded.problems) this.log?.warn(problem, 'article file skipped');
  }

  /**
   * A watcher follows one folder: if CONTENT_DIR is deleted and made again, or is a symlink a
   * deploy swaps, it would go quiet. A check every two seconds of which folder the path names
   * moves the watcher (and reads the folder) when it changed.
   */
  private async watch(): Promise<void> {
    await this.follow();
    this.poll = setInterval(() => void this.follow(), 2000);
    this.poll.unref();
  }

  private async follow(): Promise<void> {
    let identity: string | undefined;
    let real = this.directory;
    try {
      real = await fs.realpath(this.directory);
      const stat = await fs.stat(real);
      // A folder made again often gets the inode number back: its birth time tells them apart.
      identity = `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`;
    } catch {
      identity = undefined;
    }
    if (identity === this.watched) return;
    const first = this.watched === undefined && this.watcher === undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.watched = identity;
    if (identity === undefined) {
      this.log?.warn({ file: this.directory, reason: 'the folder is gone' }, 'not watching the articles folder until it is back; the articles already loaded stay');
      return;
    }
    try {
      // Editors write a file in several steps (and often through a temporary file): one read
      // after the changes settle, not one per event.
      this.watcher = watch(real, (event) => {
        clearTimeout(this.timer);
        // A rename may be the folder itself going: look again at which folder the path names.
        this.timer = setTimeout(() => void (event === 'rename' ? this.follow() : Promise.resolve()).then(() => this.reload()), 150);
      });
      this.watcher.on('error', (error) => {
        this.log?.warn({ file: this.directory, reason: error.message }, 'stopped watching the articles folder; trying again');
        this.watcher?.close();
        this.watcher = undefined;
        this.watched = undefined;
      });
      this.watcher.unref();
    } catch (error) {
      this.watched = undefined;
      this.log?.warn({ file: this.directory, reason: (error as Error).message }, 'could not watch the articles folder; trying again');
      return;
    }
    if (!first) await this.reload();
  }
}
