//! Max-flow checked against textbook values, brute force and Edmonds–Karp.

use super::*;

#[test]
fn classic_network_has_the_textbook_flow() {
    // CLRS figure 26.1: s=0, v1..v4 = 1..4, t=5; max flow 23.
    let mut g = Graph::new(4, 8);
    g.add_terminal(0, 16.0, 0.0);
    g.add_terminal(1, 13.0, 0.0);
    g.add_edge(0, 1, 10.0, 4.0);
    g.add_edge(0, 2, 12.0, 0.0);
    g.add_edge(2, 1, 9.0, 0.0);
    g.add_edge(1, 3, 14.0, 0.0);
    g.add_edge(3, 2, 7.0, 0.0);
    g.add_terminal(2, 0.0, 20.0);
    g.add_terminal(3, 0.0, 4.0);
    assert_eq!(g.maxflow(), 23.0);
    // The minimum cut {s, v1, v2, v4} | {v3, t} has capacity 12 + 7 + 4 = 23.
    assert!(g.on_source_side(0) && g.on_source_side(1) && g.on_source_side(3));
    assert!(!g.on_source_side(2));
}

#[test]
fn a_weak_link_is_where_the_cut_goes() {
    // A chain s → 0 - 1 - 2 - 3 → t whose middle link is the weakest.
    let mut g = Graph::new(4, 3);
    g.add_terminal(0, 10.0, 0.0);
    g.add_terminal(3, 0.0, 10.0);
    g.add_edge(0, 1, 5.0, 5.0);
    g.add_edge(1, 2, 1.0, 1.0);
    g.add_edge(2, 3, 5.0, 5.0);
    assert_eq!(g.maxflow(), 1.0);
    assert!(g.on_source_side(0) && g.on_source_side(1));
    assert!(!g.on_source_side(2) && !g.on_source_side(3));
}

/// Plain Edmonds–Karp on a dense capacity matrix (node n = source, n + 1 = sink).
fn edmonds_karp(mut cap: Vec<Vec<f64>>, s: usize, t: usize) -> f64 {
    let n = cap.len();
    let mut flow = 0.0;
    loop {
        let mut prev = vec![usize::MAX; n];
        prev[s] = s;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for v in 0..n {
                if prev[v] == usize::MAX && cap[u][v] > 0.0 {
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
        }
        if prev[t] == usize::MAX {
            return flow;
        }
        let (mut b, mut v) = (f64::INFINITY, t);
        while v != s {
            b = b.min(cap[prev[v]][v]);
            v = prev[v];
        }
        let mut v = t;
        while v != s {
            cap[prev[v]][v] -= b;
            cap[v][prev[v]] += b;
            v = prev[v];
        }
        flow += b;
    }
}

#[test]
#[expect(clippy::needless_range_loop, reason = "node ids index both the graph and the matrix")]
fn grid_flows_match_edmonds_karp() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m) as f64
    };
    for _ in 0..30 {
        let (w, h) = (9, 7);
        let n = w * h;
        let mut g = Graph::new(n, 4 * n);
        let mut cap = vec![vec![0.0; n + 2]; n + 2];
        for i in 0..n {
            let (src, snk) = (rnd(20), rnd(20));
            g.add_terminal(i, src, snk);
            let m = src.min(snk);
            cap[n][i] = src - m;
            cap[i][n + 1] = snk - m;
            let (x, y) = (i % w, i / w);
            for (dx, dy) in [(1i64, 0i64), (1, 1), (0, 1), (-1, 1)] {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                let (c, r) = (rnd(12), rnd(12));
                g.add_edge(i, j, c, r);
                cap[i][j] += c;
                cap[j][i] += r;
            }
        }
        assert_eq!(g.maxflow(), edmonds_karp(cap, n, n + 1));
    }
}

/// Cross-check against a brute-force minimum cut on small random graphs.
#[test]
fn flow_equals_the_brute_force_minimum_cut() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 10) as f64
    };
    for _ in 0..200 {
        let n = 6;
        let mut g = Graph::new(n, 15);
        let mut terms = vec![(0.0, 0.0); n];
        let mut edges = Vec::new();
        for (i, t) in terms.iter_mut().enumerate() {
            *t = (rnd(), rnd());
            g.add_terminal(i, t.0, t.1);
        }
        for i in 0..n {
            for j in i + 1..n {
                let (c, r) = (rnd(), rnd());
                g.add_edge(i, j, c, r);
                edges.push((i, j, c, r));
            }
        }
        let cost = |side: u32| -> f64 {
            let src = |i: usize| side >> i & 1 == 1;
            let mut c = 0.0;
            for (i, t) in terms.iter().enumerate() {
                c += if src(i) { t.1 } else { t.0 };
            }
            for &(i, j, cap, rev) in &edges {
                if src(i) && !src(j) {
                    c += cap;
                }
                if src(j) && !src(i) {
                    c += rev;
                }
            }
            c
        };
        let best = (0..1u32 << n).map(cost).fold(f64::INFINITY, f64::min);
        // Both terminal links of a node carry min(s, t) whatever the cut, which the graph
        // folds away, so its flow is the cut less that constant.
        let folded: f64 = terms.iter().map(|t| t.0.min(t.1)).sum();
        let flow = g.maxflow();
        let found = (0..n).fold(0u32, |s, i| s | u32::from(g.on_source_side(i)) << i);
        assert_eq!(flow + folded, best);
        assert_eq!(cost(found), best, "the reported sides must form a minimum cut");
    }
}
