export default function templatesPlugin(): {
  id: string;
};
