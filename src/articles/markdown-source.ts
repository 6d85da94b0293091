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
  constructor(file: string, reason: string) {
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

/**
 * Reads `*.md` files with YAML front matter from a folder once, at start. A bad file stops
 * the start with its name, rather than leaving an article silently missing.
 */
export class MarkdownArticleSource implements ArticleSource {
  private constructor(
    private readonly bySlug: ReadonlyMap<string, Article>,
    private readonly summaries: readonly ArticleSummary[],
  ) {}

  static async load(directory: string): Promise<MarkdownArticleSource> {
    // Raw HTML in Markdown is escaped: article files cannot inject scripts into pages.
    const markdown = new MarkdownIt({ html: false, linkify: true, typographer: true });
    const files = (await fs.readdir(directory)).filter((f) => f.endsWith('.md')).sort();
    const bySlug = new Map<string, Article>();
    for (const file of files) {
      let parsed: matter.GrayMatterFile<string>;
      try {
        // An empty options object keeps gray-matter from caching by content across sources.
        parsed = matter(await fs.readFile(path.join(directory, file), 'utf8'), {});
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
      if (bySlug.has(slug)) throw new ArticleFileError(file, `slug "${slug}" is used by another article`);
      bySlug.set(slug, {
        slug,
        title: meta.title,
        section: meta.section,
        access: meta.access,
        published: meta.published,
        author: meta.author,
        summary: meta.summary,
        ...(meta.image === undefined ? {} : { image: meta.image }),
        blocks: renderBlocks(markdown, parsed.content),
      });
    }
    const summaries = [...bySlug.values()]
      .map(({ blocks: _blocks, ...summary }) => summary)
      .sort((a, b) => b.published.localeCompare(a.published) || a.slug.localeCompare(b.slug));
    return new MarkdownArticleSource(bySlug, summaries);
  }

  async list(): Promise<readonly ArticleSummary[]> {
    return this.summaries;
  }

  async get(slug: string): Promise<Article | undefined> {
    return this.bySlug.get(slug);
  }
}
