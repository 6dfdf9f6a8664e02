#!/usr/bin/python3
"""Write one class list the ways schools really have it, into the directory argv[1]:

  dapodik.xlsx      Dapodik's "Daftar Peserta Didik" shape, written by openpyxl (whose cells
                    are inline strings): title lines, a two-row header with merged cells,
                    groups (Data Ayah/Ibu/Wali) whose sub-columns repeat Nama and NIK, a date
                    of birth stored as a date, one NISN stored as a number (Excel dropped
                    its zero)
  shared.xlsx       the same rows written part by part the way Excel does: shared strings
                    (names as rich-text runs, a phonetic run), dates as serial numbers with
                    a date style, the first sheet listed first but stored in sheet2.xml
  excel-1252.csv    the same list saved as Excel's default "CSV" (Windows-1252, ';', CRLF)
  unicode.txt       the same list saved as Excel's "Unicode Text" (UTF-16LE, BOM, tabs)
  secrets.txt       every NIK, parent's name, address and phone number, one a line, for
                    the test to look for in the roster's files

The pupils' own columns are the first Nama/NIK; NIKs and parents' names are made up.
"""
import datetime
import os
import random
import sys
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.styles import Alignment

OUT = sys.argv[1]
rng = random.Random(7)

PUPILS = [  # name as Dapodik writes it, JK, NISN, Rombel
    ("ADI NUGROHO", "L", "0091234501", "Kelas 7A"),
    ("MUHAMMAD AL-FATIH", "L", "0101234502", "Kelas 7A"),
    ("SITI NUR'AINI", "P", "0091234503", "Kelas 7A"),
    ("M. RIZKI", "L", "0091234504", "7A"),
    ("DEWI ANGGRAENI", "P", "0101234505", "Kelas 7B"),
    ("JOSÉ RAMOS HORTA", "L", "0091234506", "Kelas 7B"),
    ("AHMAD BIN ABDULLAH", "L", "0091234507", "7B"),
    ("PUTRI RAHAYU", "P", "0101234508", "Kelas 7B"),
]
NUMBER_NISN = 7          # row whose NISN the workbook stores as a number: 101234508

SINGLE = ["No", "Nama", "NIPD", "JK", "NISN", "Tempat Lahir", "Tanggal Lahir", "NIK", "Agama",
          "Alamat", "RT", "RW", "Dusun", "Kelurahan", "Kecamatan", "Kode Pos", "Jenis Tinggal",
          "Alat Transportasi", "Telepon", "HP", "E-Mail", "SKHUN", "Penerima KPS", "No. KPS"]
GROUP = ["Nama", "Tahun Lahir", "Jenjang Pendidikan", "Pekerjaan", "Penghasilan", "NIK"]
AFTER = ["Rombel Saat Ini", "No Peserta Ujian Nasional", "No Seri Ijazah", "Penerima KIP",
         "Nomor KIP", "Nama di KIP", "Nomor KKS", "No Registrasi Akta Lahir", "Bank",
         "Nomor Rekening Bank", "Rekening Atas Nama", "Layak PIP", "Alasan Layak PIP",
         "Kebutuhan Khusus", "Sekolah Asal", "Anak ke-berapa", "Lintang", "Bujur", "No KK",
         "Berat Badan", "Tinggi Badan", "Lingkar Kepala", "Jml. Saudara Kandung",
         "Jarak Rumah ke Sekolah (KM)"]
GROUPS = ["Data Ayah", "Data Ibu", "Data Wali"]
TITLES = ["Daftar Peserta Didik", "SMP NEGERI 1 CONTOH",
          "Kecamatan Kec. Contoh, Kabupaten Kab. Contoh, Provinsi Prov. Jawa Tengah",
          "Tanggal Unduh: 2026-07-14 09:12:33", "Pengunduh: OPERATOR SEKOLAH (operator@contoh.sch.id)"]
FATHERS = ["SUPARMAN", "BAMBANG WIJAYA", "HARTONO", "SLAMET RIYADI", "WAHYU SANTOSO",
           "MANUEL RAMOS", "ABDULLAH HASAN", "JOKO PURNOMO"]
MOTHERS = ["SRI WAHYUNINGSIH", "ENDANG LESTARI", "TITIK SUMARNI", "RINI ASTUTI",
           "YULIANI KARTIKA", "MARIA GOMES", "FATIMAH ZAHRA", "SUMIYATI NINGRUM"]
WALI = ["", "", "KARSONO PAKDE", "", "", "", "", ""]


def nik():
    return "3302" + "".join(rng.choice("0123456789") for _ in range(12))


def rows():
    """The data rows as Python values, one list per pupil, in column order."""
    out, secrets = [], []
    for i, (name, jk, nisn, rombel) in enumerate(PUPILS):
        pupil_nik = nik()
        born = datetime.date(2013, 1 + i, 3 + i)
        address = "Jl. Melati No. %d Gg. Mawar" % (11 + i)
        phone = "08123%07d" % (4500 + i * 37)
        single = [i + 1, name, "2526%03d" % (i + 1), jk, nisn, "Kab. Contoh", born, pupil_nik,
                  "Islam", address, "%03d" % (i + 1), "004", "Dusun Krajan", "Desa Sukamaju",
                  "Kec. Contoh", "53171", "Bersama orang tua", "Jalan kaki", "",
                  phone, "", "", "Tidak", ""]
        groups = []
        for who in (FATHERS[i], MOTHERS[i], WALI[i]):
            pnik = nik() if who else ""
            groups += [who, 1980 if who else "", "SMA / sederajat" if who else "",
                       "Wiraswasta" if who else "", "Rp. 1,000,000 - Rp. 1,999,999" if who else "",
                       pnik]
            if who:
                secrets += [who, pnik]
        after = [rombel, "", "", "Tidak", "", "", "", "3302-LU-2013-%04d" % i, "", "", "",
                 "Tidak", "", "Tidak ada", "SD NEGERI 2 CONTOH", 1 + i % 3, -7.4, 109.2,
                 "3302%012d" % (880000 + i), 35, 140, 50, 2, 1.5]
        secrets += [pupil_nik, address, phone, "3302%012d" % (880000 + i)]
        out.append(single + groups + after)
    return out, secrets


def header_cells():
    """Top and bottom header rows as Dapodik lays them out ('' where merged)."""
    top, sub = list(SINGLE), [""] * len(SINGLE)
    for g in GROUPS:
        top += [g] + [""] * (len(GROUP) - 1)
        sub += GROUP
    top += AFTER
    sub += [""] * len(AFTER)
    return top, sub


def write_openpyxl(data):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Daftar Peserta Didik"
    top, sub = header_cells()
    width = len(top)
    for r, text in enumerate(TITLES, start=1):
        ws.cell(row=r, column=1, value=text)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=12)
    h = len(TITLES) + 2                       # a blank line, then the header
    for c, (t, s) in enumerate(zip(top, sub), start=1):
        if t:
            ws.cell(row=h, column=c, value=t)
        if s:
            ws.cell(row=h + 1, column=c, value=s)
        if t and not s and (c <= len(SINGLE) or c > len(SINGLE) + 3 * len(GROUP)):
            ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
        ws.cell(row=h, column=c).alignment = Alignment(horizontal="center", vertical="center")
    for g in range(3):
        c = len(SINGLE) + 1 + g * len(GROUP)
        ws.merge_cells(start_row=h, start_column=c, end_row=h, end_column=c + len(GROUP) - 1)
    for i, values in enumerate(data):
        r = h + 2 + i
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(v, str) and v.isdigit():
                cell.number_format = "@"      # text, as Dapodik stores NISN and NIK
        if i == NUMBER_NISN:
            ws.cell(row=r, column=5, value=int(values[4]))      # Excel dropped the zero
    assert ws.max_column == width
    wb.save(os.path.join(OUT, "dapodik.xlsx"))


def col_letter(c):
    s = ""
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


class Shared:
    """The shared string table, as Excel builds it while saving."""
    def __init__(self):
        self.items, self.index = [], {}

    def add(self, xml_item):
        if xml_item not in self.index:
            self.index[xml_item] = len(self.items)
            self.items.append(xml_item)
        return self.index[xml_item]


def shared_cell(sst, ref, v):
    if v == "" or v is None:
        return ""
    if isinstance(v, datetime.date):        # serial number, style 1 = numFmtId 14 (a date)
        return '<c r="%s" s="1"><v>%d</v></c>' % (ref, (v - datetime.date(1899, 12, 30)).days)
    if isinstance(v, (int, float)):
        return '<c r="%s"><v>%s</v></c>' % (ref, v)
    if v in [p[0] for p in PUPILS]:         # rich text runs and a phonetic run
        first, _, rest = v.partition(" ")
        item = ('<si><r><rPr><b/></rPr><t xml:space="preserve">%s </t></r><r><t>%s</t></r>'
                '<rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>') % (escape(first), escape(rest))
    else:
        item = '<si><t xml:space="preserve">%s</t></si>' % escape(v)
    return '<c r="%s" t="s"><v>%d</v></c>' % (ref, sst.add(item))


def write_shared(data):
    top, sub = header_cells()
    rows_xml, merges = [], []
    r = 0
    for text in TITLES:
        r += 1
        rows_xml.append((r, [text]))
    r += 2
    h = r
    rows_xml.append((r, top))
    rows_xml.append((r + 1, sub))
    for c, (t, s) in enumerate(zip(top, sub), start=1):
        if t and not s and (c <= len(SINGLE) or c > len(SINGLE) + 3 * len(GROUP)):
            merges.append("%s%d:%s%d" % (col_letter(c), h, col_letter(c), h + 1))
    for g in range(3):
        c = len(SINGLE) + 1 + g * len(GROUP)
        merges.append("%s%d:%s%d" % (col_letter(c), h, col_letter(c + len(GROUP) - 1), h))
    r += 1
    for values in data:
        r += 1
        rows_xml.append((r, values))
    body, sst = [], Shared()
    for rn, values in rows_xml:
        cells = "".join(shared_cell(sst, "%s%d" % (col_letter(c), rn), v)
                        for c, v in enumerate(values, start=1))
        body.append('<row r="%d">%s</row>' % (rn, cells))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheetData>%s</sheetData><mergeCells count="%d">%s</mergeCells></worksheet>'
             % ("".join(body), len(merges), "".join('<mergeCell ref="%s"/>' % m for m in merges)))
    other = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
             '.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
             'Nama</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>BUKAN SISWA</t>'
             '</is></c></row></sheetData></worksheet>')
    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="%s/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>' % ns,
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s/package/2006/'
        'relationships"><Relationship Id="rId1" Type="%s/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>' % (ns, ns),
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s/spreadsheetml/'
        '2006/main" xmlns:r="%s/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Daftar PD" sheetId="2" r:id="rId3"/><sheet name="Catatan" sheetId="1" '
        'r:id="rId2"/></sheets></workbook>' % (ns, ns),
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="%s/package/2006/relationships"><Relationship Id="rId2" Type="%s/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId3" '
        'Type="%s/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
        '<Relationship Id="rId4" Type="%s/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/><Relationship Id="rId5" Type="%s/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>' % (ns, ns, ns, ns, ns),
        "xl/worksheets/sheet1.xml": other,
        "xl/sharedStrings.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst '
        'xmlns="%s/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
        % (ns, len(sst.items), len(sst.items), "".join(sst.items)),
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="%s/'
        'spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0"/>'
        '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
        '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>' % ns,
        "xl/worksheets/sheet2.xml": sheet,
    }
    with zipfile.ZipFile(os.path.join(OUT, "shared.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def text_rows(data):
    """The rows as Excel writes them to text: titles, both header rows, the data."""
    top, sub = header_cells()
    out = [[t] for t in TITLES] + [[], top, sub]
    for values in data:
        out.append(["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, datetime.date)
                    else str(v).replace(".", ",") if isinstance(v, float) else str(v)
                    for v in values])
    width = len(top)                         # Excel pads every row to the used range
    return [r + [""] * (width - len(r)) for r in out]


def quote(v, sep):
    return '"%s"' % v.replace('"', '""') if any(ch in v for ch in (sep, '"', "\n")) else v


def write_text(data):
    rows_ = text_rows(data)
    csv_text = "".join(";".join(quote(v, ";") for v in r) + "\r\n" for r in rows_)
    with open(os.path.join(OUT, "excel-1252.csv"), "wb") as f:
        f.write(csv_text.encode("cp1252"))
    tab_text = "".join("\t".join(quote(v, "\t") for v in r) + "\r\n" for r in rows_)
    with open(os.path.join(OUT, "unicode.txt"), "wb") as f:
        f.write(b"\xff\xfe" + tab_text.encode("utf-16-le"))


data, secrets = rows()
write_openpyxl(data)
write_shared(data)
write_text(data)
with open(os.path.join(OUT, "secrets.txt"), "w") as f:
    f.write("\n".join(s for s in secrets if s) + "\n")
