#!/usr/bin/env python3
# Chrome trace event multiset for round-trip tests: B/E pairs become X (paired
# per thread in time order, as Chrome does), C events split per series,
# V8 profile samples and stackFrames samples become (time, name path) pairs;
# rustscope_* members are ignored. Usage: chrome-normalize.py ORIGINAL OURS
import json, sys, collections
def load(path):
    import gzip
    raw = open(path,'rb').read()
    if raw[:2] == b'\x1f\x8b': raw = gzip.decompress(raw)
    t = raw.decode('utf-8-sig').strip()
    try: d = json.loads(t)
    except Exception:
        t = t.rstrip().rstrip(',')
        d = json.loads(t + ']')
    if isinstance(d, dict):
        return d.get('traceEvents', []), d
    return d, {}
def num(v):
    try: return round(float(v), 3)
    except Exception: return v
def norm(path):
    evs, top = load(path)
    out = []; be = []; samples = []
    profs = collections.OrderedDict()
    for i, e in enumerate(evs):
        e = {k: v for k, v in e.items() if not k.startswith('rustscope')}
        for k in ('ts', 'dur', 'pid', 'tid'):
            if k in e: e[k] = num(e[k])
        ph = e.get('ph'); nm = e.get('name')
        if nm in ('Profile', 'ProfileChunk') or (nm == 'CpuProfile' and 'args' in e):
            key = (e.get('pid'), e.get('id')) if nm != 'CpuProfile' else ('cpu', i)
            p = profs.setdefault(key, {'nodes': {}, 'samples': [], 'deltas': [], 'start': None})
            data = e.get('args', {}).get('data', {})
            cp = data.get('cpuProfile', {})
            for n in cp.get('nodes', []): p['nodes'][n['id']] = n
            p['samples'] += cp.get('samples', [])
            p['deltas'] += data.get('timeDeltas', cp.get('timeDeltas', []))
            st = data.get('startTime', cp.get('startTime'))
            if st is not None and p['start'] is None: p['start'] = st
            if nm == 'Profile' and p['start'] is None: p['start'] = e.get('ts')
            continue
        if ph == 'P' and 'sf' in e:
            samples.append((e['ts'], ('sf', e['sf']))); continue
        if ph in ('B', 'E') and 'ts' in e:
            be.append((e.get('pid'), e.get('tid'), e['ts'], i, e)); continue
        if ph == 'C' and isinstance(e.get('args'), dict) and e['args'] and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in e['args'].values()):
            for k, v in e['args'].items():
                c = dict(e); c['args'] = {k: float(v)}; out.append(c)
            continue
        out.append(e)
    # pair B/E per thread (file order on ties), as Chrome does
    be.sort(key=lambda x: ((x[0] is None, x[0] or 0), (x[1] is None, x[1] or 0), x[2], x[3]))
    stacks = collections.defaultdict(list)
    for pid, tid, ts, i, e in be:
        k = (pid, tid)
        if e['ph'] == 'B': stacks[k].append(e); continue
        if not stacks[k]: out.append(e); continue
        b = stacks[k].pop()
        x = {kk: vv for kk, vv in b.items() if kk != 'ph'}
        x['ph'] = 'X'; x['dur'] = round(ts - b['ts'], 3)
        a = dict(b.get('args') or {}); a.update(e.get('args') or {})
        if 'args' in b or e.get('args'): x['args'] = a
        out.append(x)
    for k in stacks:
        out += stacks[k]
    # V8 samples: (time, path of names) per sample
    for key, p in profs.items():
        t = p['start'] or 0
        nodes = p['nodes']; par = {}
        for n in nodes.values():
            for c in n.get('children', []): par[c] = n['id']
            if 'parent' in n: par[n['id']] = n['parent']
        for j, sid in enumerate(p['samples']):
            if j < len(p['deltas']): t += p['deltas'][j]
            path = []; cur = sid
            while cur in nodes:
                cf = nodes[cur]['callFrame']; 
                if not (cf.get('functionName') == '(root)' and cur not in par): path.append(cf.get('functionName') or '(anonymous)')
                cur = par.get(cur)
            samples.append((float(round(t, 3)), tuple(path)))
    sfs = top.get('stackFrames') or {}
    res = []
    for ts, p in samples:
        if isinstance(p, tuple) and p and p[0] == 'sf':
            path = []; cur = str(p[1]); seen = 0
            while cur in sfs and seen < 10000:
                path.append(sfs[cur].get('name')); cur = str(sfs[cur].get('parent')) if 'parent' in sfs[cur] else None; seen += 1
            p = tuple(path)
        res.append(json.dumps([float(ts), p]))
    for s in top.get('samples', []) if isinstance(top.get('samples'), list) else []:
        path = []; cur = str(s.get('sf'))
        while cur in sfs: path.append(sfs[cur].get('name')); cur = str(sfs[cur].get('parent')) if 'parent' in sfs[cur] else None
        res.append(json.dumps([float(num(s.get("ts"))), tuple(path)]))
    evc = collections.Counter(json.dumps(e, sort_keys=True) for e in out)
    return evc, collections.Counter(res)
a_ev, a_s = norm(sys.argv[1]); b_ev, b_s = norm(sys.argv[2])
ok = True
if a_ev != b_ev:
    ok = False
    print('events differ: only in original %d, only in ours %d' % (sum((a_ev - b_ev).values()), sum((b_ev - a_ev).values())))
    for x in list((a_ev - b_ev).elements())[:3]: print('  orig:', x[:300])
    for x in list((b_ev - a_ev).elements())[:3]: print('  ours:', x[:300])
if a_s != b_s:
    ok = False
    print('samples differ: orig %d ours %d' % (sum(a_s.values()), sum(b_s.values())))
    for x in list((a_s - b_s).elements())[:2]: print('  orig:', x[:300])
    for x in list((b_s - a_s).elements())[:2]: print('  ours:', x[:300])
print('same %d events, %d samples' % (sum(a_ev.values()), sum(a_s.values())) if ok else 'DIFF')
sys.exit(0 if ok else 1)
