# Unknown members named like the object's own (schema/README.md, "Unknown
# members"): escaped with '~' in session JSON and restored, so that a round
# trip keeps them and never takes them for the member they are named after;
# Chrome events whose defined members have another type stay verbatim.
. tests/lib.sh
D=$T/unk
mkdir -p "$D"
py() { python3 -c "$@"; }

# A V8 callFrame member named "line" (a frame's own member in the session).
cat >"$D/cf.cpuprofile" <<'JSON'
{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"hitCount":0,"children":[2]},
{"id":2,"callFrame":{"functionName":"work","scriptId":"1","url":"a.js","lineNumber":9,"columnNumber":0,"line":"not ours","~line":7},"hitCount":3,"children":[]}],
"startTime":0,"endTime":3000,"samples":[2,2,2],"timeDeltas":[1000,1000,1000]}
JSON
expect_exit "callFrame member named line: imports" 0 "$RS" convert -q "$D/cf.cpuprofile" -o "$D/cf.session.json"
check "callFrame member named line: escaped in session JSON" grep -q '"~line":"not ours","~~line":7' "$D/cf.session.json"
check "callFrame member named line: the frame keeps its own line" \
	py "import json,sys; f=[x for x in json.load(open('$D/cf.session.json'))['frames'] if x['name']=='work'][0]; sys.exit(f.get('line')!=10)"
expect_exit "callFrame member named line: session to session" 0 "$RS" convert -q "$D/cf.session.json" -o "$D/cf2.session.json"
check "callFrame member named line: session to session is unchanged" cmp "$D/cf.session.json" "$D/cf2.session.json"
"$RS" convert -q "$D/cf.session.json" --to cpuprofile -o "$D/back.cpuprofile"
check "callFrame member named line: written back under its own name" \
	py "import json,sys; n=json.load(open('$D/back.cpuprofile'))['nodes']; cf=[x['callFrame'] for x in n if x['callFrame']['functionName']=='work'][0]; sys.exit(cf.get('line')!='not ours' or cf.get('~line')!=7)"

# Chrome events whose defined members have another type: kept as they are.
cat >"$D/odd.json" <<'JSON'
[{"ph":"X","pid":1,"tid":1,"ts":1,"dur":2,"name":"a","args":"b"},
 {"ph":"X","pid":"x","tid":1,"ts":1,"dur":2,"name":"a"},
 {"ph":"i","pid":1,"tid":1,"ts":null,"name":"a"},
 {"ph":"X","pid":1,"tid":1,"ts":1,"dur":2,"name":"ok"}]
JSON
expect_exit "Chrome event with a member of another type: imports" 0 "$RS" convert "$D/odd.json" -o "$D/odd.session.json"
check "Chrome event with a member of another type: warned as not modelled" grep -q "3 events of phases X,i not modelled" "$T/err"
check "Chrome event with a member of another type: kept verbatim, the good one modelled" \
	py "import json,sys; s=json.load(open('$D/odd.session.json')); ev=s['extra']['chrome']['events']; sys.exit(len(ev)!=3 or [i['name'] for i in s['intervals']]!=['ok'] or ev[0]['args']!='b')"
"$RS" convert -q "$D/odd.session.json" --to chrome -o "$D/odd2.json"
"$RS" convert -q "$D/odd2.json" -o "$D/odd3.session.json"
check "Chrome event with a member of another type: round trip unchanged" cmp "$D/odd.session.json" "$D/odd3.session.json"
printf '[{"ph":"X","pid":1,"tid":1,"ts":1,"dur":2,"name":"a","args":"b","args":{}}]' >"$D/twice.json"
expect_exit "Chrome event with args twice: refused" 3 "$RS" convert -q "$D/twice.json" -o "$D/twice.session.json"
check "Chrome event with args twice: the error names the member" grep -q 'the member "args" is repeated' "$T/err"
check "Chrome event with args twice: no output" test ! -e "$D/twice.session.json"
