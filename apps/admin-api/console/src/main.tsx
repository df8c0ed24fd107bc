import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AclsPage } from './pages/acls.tsx';
import { BrowserPage } from './pages/browser.tsx';
import { GroupPage, GroupsPage } from './pages/groups.tsx';
import { OperationPage, OperationsPage } from './pages/operations.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { ScramUsersPage } from './pages/scram-users.tsx';
import { TopicPage, TopicsPage } from './pages/topics.tsx';
import './style.css';

/** The page for a hash route: `#/`, `#/topics`, `#/topics/{name}`, `#/browse/{topic}`, `#/groups`, `#/groups/{id}`, `#/acls`, `#/scram-users`, `#/operations`, `#/operations/{id}`. */
function page(hash: string) {
  const [section = '', name] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (section) {
    case 'topics':
      return name ? <TopicPage name={name} /> : <TopicsPage />;
    case 'browse':
      return <BrowserPage topic={name ?? ''} />;
    case 'groups':
      return name ? <GroupPage id={name} /> : <GroupsPage />;
    case 'acls':
      return <AclsPage />;
    case 'scram-users':
      return <ScramUsersPage />;
    case 'operations':
      return name ? <OperationPage id={name} /> : <OperationsPage />;
    default:
      return <OverviewPage />;
  }
}

const NAV = [
  { href: '#/', label: 'Overview', section: '' },
  { href: '#/topics', label: 'Topics', section: 'topics' },
  { href: '#/browse', label: 'Messages', section: 'browse' },
  { href: '#/groups', label: 'Consumer groups', section: 'groups' },
  { href: '#/acls', label: 'ACLs', section: 'acls' },
  { href: '#/scram-users', label: 'SCRAM users', section: 'scram-users' },
  { href: '#/operations', label: 'Operations', section: 'operations' },
];

function App() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  const section = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return (
    <>
      <header>
        <a class="brand" href="#/">
          Strom
        </a>
        <nav aria-label="Console">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={item.section === section ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main>{page(hash)}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
