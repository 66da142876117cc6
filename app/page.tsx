export default function Home() {
  return <main><h1>Gatehouse</h1></main>;
}
