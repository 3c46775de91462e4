import { render } from 'preact';

function App() {
  return <main>longrunning console</main>;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
