import { SIGNPOSTS } from '../../../shared/taxonomy';

/** Where else to get help: 999, 101, Crimestoppers, and help for young people drawn into supply. */
export function Signposts({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  const Heading = `h${headingLevel}` as const;
  return (
    <section className="signposts" aria-labelledby="signposts-heading">
      <Heading id="signposts-heading">Other ways to get help</Heading>
      <ul>
        {SIGNPOSTS.map((s) => (
          <li key={s.href}>
            <span>{s.label}</span>
            <a className="button button-quiet" href={s.href}>
              {s.action}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
