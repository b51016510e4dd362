//! Fair order for prompts due at once: no server waits for all of another's
//! prompts, and no channel for all of another channel's.

use std::collections::VecDeque;

/// A server's channels, each with its items, in order of first appearance.
type Channels<C, T> = VecDeque<(C, VecDeque<T>)>;

/// Reorders `items` round-robin: first across servers (in order of first
/// appearance), and within a server across its channels. The relative
/// order of items of one channel is kept.
pub fn interleave<T, G: PartialEq, C: PartialEq>(
    items: Vec<T>,
    key: impl Fn(&T) -> (G, C),
) -> Vec<T> {
    // servers -> channels -> items, each in order of first appearance.
    let mut servers: Vec<(G, Channels<C, T>)> = Vec::new();
    let total = items.len();
    for item in items {
        let (guild, channel) = key(&item);
        match servers.iter_mut().find(|(g, _)| *g == guild) {
            Some((_, server)) => match server.iter_mut().find(|(c, _)| *c == channel) {
                Some((_, queue)) => queue.push_back(item),
                None => server.push_back((channel, VecDeque::from([item]))),
            },
            None => servers.push((guild, VecDeque::from([(channel, VecDeque::from([item]))]))),
        }
    }
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        for (_, channels) in &mut servers {
            // This server's turn: its next channel gives one item, then
            // goes to the back of the server's line.
            if let Some((channel, mut queue)) = channels.pop_front() {
                if let Some(item) = queue.pop_front() {
                    out.push(item);
                }
                if !queue.is_empty() {
                    channels.push_back((channel, queue));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn servers_take_turns_and_so_do_their_channels() {
        // Server a has 4 prompts in 2 channels, b has 2, c has 1.
        let due = vec![
            ("a", 1, "a1-1"),
            ("a", 1, "a1-2"),
            ("a", 2, "a2-1"),
            ("a", 2, "a2-2"),
            ("b", 3, "b3-1"),
            ("b", 3, "b3-2"),
            ("c", 4, "c4-1"),
        ];
        let order: Vec<_> = interleave(due, |(g, c, _)| (*g, *c))
            .into_iter()
            .map(|(_, _, name)| name)
            .collect();
        assert_eq!(
            order,
            ["a1-1", "b3-1", "c4-1", "a2-1", "b3-2", "a1-2", "a2-2"]
        );
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn nothing_is_lost_and_a_channel_keeps_its_order(
            keys in proptest::collection::vec((0u8..4, 0u8..3), 0..60)
        ) {
            let items: Vec<(u8, u8, usize)> =
                keys.iter().enumerate().map(|(i, (g, c))| (*g, *c, i)).collect();
            let out = interleave(items.clone(), |(g, c, _)| (*g, *c));
            let mut sorted: Vec<_> = out.iter().map(|i| i.2).collect();
            sorted.sort();
            prop_assert_eq!(sorted, (0..items.len()).collect::<Vec<_>>());
            for (g, c) in &keys {
                let seq: Vec<_> = out.iter().filter(|i| i.0 == *g && i.1 == *c).map(|i| i.2).collect();
                prop_assert!(seq.windows(2).all(|w| w[0] < w[1]));
            }
            // Within the first round every server with work appears once.
            let servers: std::collections::BTreeSet<_> = keys.iter().map(|k| k.0).collect();
            let first: std::collections::BTreeSet<_> = out.iter().take(servers.len()).map(|i| i.0).collect();
            prop_assert_eq!(first, servers);
        }
    }
}
