// The three questions the benchmark asks, as GraphQL for the service and as parameters for the
// raw floor, so both answer exactly the same thing.
export const BENCH_GUEST = process.env.BENCH_GUEST ?? 'rhel9.2';
export const BENCH_RELEASE = process.env.BENCH_RELEASE ?? 'kvm:8.2';
export const BENCH_HOST_FEATURES = ['vmx', 'ept'];

export const QUERIES = {
  guest: {
    title: 'one guest with its effective devices',
    query: `query Guest($s: String!) { guestOS(shortId: $s) { id name devices { device { id name class busId paravirtInterface } supported driverSource inheritedFrom { id } } } }`,
    variables: { s: BENCH_GUEST },
  },
  page: {
    title: 'a page of 50 guests with their device counts',
    query: `query Page { guestOSes(first: 50) { edges { node { id name deviceCount } } pageInfo { endCursor hasNextPage } } }`,
    variables: {},
  },
  compatibility: {
    title: 'the compatibility query',
    query: `query Compat($g: String!, $r: String!, $h: [String!]) { compatibility(guest: $g, hypervisorRelease: $r, hostFeatures: $h) { verdict basis reasons records { id status } devices { class model paravirtual } } }`,
    variables: { g: BENCH_GUEST, r: BENCH_RELEASE, h: BENCH_HOST_FEATURES },
  },
} as const;

export type QueryName = keyof typeof QUERIES;
