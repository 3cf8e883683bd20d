// Anchor for BENCHMARKS.md: Lucene 8.7 ArabicAnalyzer + BM25 over the same paragraphs.
// Usage: java -cp <lucene jars>:. LuceneAnchor docs.tsv queries.txt top > results.tsv
// docs.tsv: one paragraph per line, tabs/newlines replaced by spaces; line i is document i.
// Output: one line per query: tab-separated "doc:score" pairs, best first.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;

public class LuceneAnchor {
  public static void main(String[] args) throws Exception {
    List<String> docs = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
    List<String> queries = Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8);
    int top = Integer.parseInt(args[2]);
    ArabicAnalyzer analyzer = new ArabicAnalyzer();
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    long t0 = System.nanoTime();
    try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
      for (int i = 0; i < docs.size(); i++) {
        Document doc = new Document();
        doc.add(new StoredField("id", i));
        doc.add(new TextField("body", docs.get(i), Field.Store.NO));
        writer.addDocument(doc);
      }
    }
    System.err.printf("build_seconds\t%.3f%n", (System.nanoTime() - t0) / 1e9);
    IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
    QueryParser parser = new QueryParser("body", analyzer);
    StringBuilder out = new StringBuilder();
    long q0 = System.nanoTime();
    for (String q : queries) {
      String escaped = QueryParser.escape(q);
      StringBuilder line = new StringBuilder();
      if (!escaped.isBlank()) {
        Query query = parser.parse(escaped);
        for (ScoreDoc hit : searcher.search(query, top).scoreDocs) {
          int id = searcher.doc(hit.doc).getField("id").numericValue().intValue();
          if (line.length() > 0) line.append('\t');
          line.append(id).append(':').append(hit.score);
        }
      }
      out.append(line).append('\n');
    }
    System.err.printf("query_seconds\t%.3f%n", (System.nanoTime() - q0) / 1e9);
    System.out.print(out);
  }
}
