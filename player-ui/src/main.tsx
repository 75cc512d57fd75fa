/** The player UI's entry: the screen for the current path, the remote, and presence reports. */
import { render } from 'preact'
import { startRemote } from './remote.js'
import { back, useRoute } from './router.js'
import { Detail } from './screens/detail.js'
import { Home } from './screens/home.js'
import { Player } from './screens/player.js'
import { Settings } from './screens/settings.js'
import { startPresence } from './viewer.js'

function App () {
  const route = useRoute()
  switch (route.screen) {
    case 'home': return <Home />
    case 'title': return <Detail key={route.id} id={route.id} />
    case 'play': return <Player key={`${route.id}@${route.from}`} id={route.id} from={route.from} />
    case 'settings': return <Settings />
  }
}

startRemote(back)
startPresence()
const root = document.getElementById('app')
if (root !== null) render(<App />, root)
