/** The type of the `t` a tap subtest callback receives, for helpers that make assertions. */
import type { BuiltPlugins, Test, TestOpts } from '@tapjs/test'

export type TapTest = Test<BuiltPlugins, TestOpts> & BuiltPlugins
