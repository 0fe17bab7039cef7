import { Link } from 'react-router-dom';

export function HomePage() {
  return (
    <div className="page">
      <section className="hero">
        <h1>Seen something worrying at a rental, hotel or neighbour&rsquo;s home?</h1>
        <p className="lead">
          County-lines gangs use short-lets, hotel rooms and the homes of vulnerable people to deal drugs, and they send children
          to stay there. What you noticed can help police protect them. It takes about two minutes, and you can stay anonymous.
        </p>
        <Link to="/report" className="button button-primary button-large">
          Report a concern
        </Link>
      </section>
      <section className="journeys" aria-label="Choose what you need">
        <article className="card">
          <h2>Already reported?</h2>
          <p>
            Use your reference and passphrase to see the status, answer a question from police, or add something you remembered.
          </p>
          <Link to="/follow-up" className="button">
            Follow up a report
          </Link>
        </article>
        <article className="card">
          <h2>Police</h2>
          <p>Triage reports, see hotspots for your force area, export for your GIS tools and manage area alerts.</p>
          <Link to="/sign-in?as=police" className="button">
            Police sign-in
          </Link>
        </article>
        <article className="card">
          <h2>Property owners and hosts</h2>
          <p>Register your properties and get alerts about concerns in your area, without putting anyone at risk.</p>
          <div className="button-row">
            <Link to="/sign-in?as=owner" className="button">
              Owner sign-in
            </Link>
            <Link to="/register" className="button button-quiet">
              Create an account
            </Link>
          </div>
        </article>
      </section>
    </div>
  );
}
